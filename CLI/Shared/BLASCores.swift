import Foundation
import TwinlogLinalg

/// Starts each command-line tool on OpenBLAS kernels that fit the CPU (see
/// `BLAS.preferredCoreType`). OpenBLAS reads `OPENBLAS_CORETYPE` once, when the library loads,
/// before `main`; so when it fell back to its generic kernels on a CPU that can run better ones,
/// the process replaces itself with the same program and arguments and the type set. The variable
/// is then set, so this happens at most once; if the exec fails, the process goes on as it is.
public enum BLASCores {
    /// Execs this process again with `OPENBLAS_CORETYPE` set when `BLAS.preferredCoreType` names
    /// one; otherwise (or if the exec fails) returns at once. Call it first in `main`.
    public static func restartOnFittingKernelsIfNeeded() {
        // `/proc/cpuinfo` is read only when OpenBLAS fell back (the flags are an autoclosure).
        guard let type = BLAS.preferredCoreType(
            coreName: BLAS.coreName,
            cpuFlags: BLAS.cpuFlags(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""),
            setType: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"])
        else { return }
        setenv("OPENBLAS_CORETYPE", type, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
