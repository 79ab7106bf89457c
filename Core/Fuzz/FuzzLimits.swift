#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process limits for a fuzz run.
public enum FuzzLimits {
    /// Caps the process's address space at `bytes`, so an input whose declared size makes a reader
    /// allocate gigabytes fails that allocation (a trap the `CrashRecorder` saves, a finding)
    /// instead of exhausting the machine. Only lowers the limit, never raises it.
    public static func limitAddressSpace(bytes: Int) throws(FuzzError) {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_AS.rawValue)
        #else
        let resource = RLIMIT_AS
        #endif
        guard getrlimit(resource, &limit) == 0 else { throw FuzzError("cannot read the address-space limit (errno \(errno))") }
        let wanted = rlim_t(max(bytes, 0))
        guard wanted < limit.rlim_cur else { return }
        limit.rlim_cur = wanted
        guard setrlimit(resource, &limit) == 0 else { throw FuzzError("cannot limit the address space to \(bytes) bytes (errno \(errno))") }
    }
}
