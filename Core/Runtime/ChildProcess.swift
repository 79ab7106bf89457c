#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs programs with posix_spawn and waitpid, optionally reading stdin from a file and writing
/// stdout to a file. Waiting blocks the calling thread: call it from a `BlockingExecutor`.
///
/// Foundation's `Process.waitUntilExit` can hang off the main thread on Linux, and the project
/// needs only this much of a process API; swift-subprocess would be a dependency for one function.
public enum ChildProcess {
    /// Why a program could not be run or did not succeed.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Runs `arguments[0]` (looked up on PATH) with `arguments`; returns its exit status.
    @discardableResult
    public static func run(_ arguments: [String], stdinPath: String? = nil, stdoutPath: String? = nil) throws -> Int32 {
        try start(arguments, stdinPath: stdinPath, stdoutPath: stdoutPath).wait()
    }

    /// A started program: signal it, wait for it.
    public struct Running: Sendable {
        public let pid: Int32
        let program: String
        /// Whether the program leads a process group of its own (`start(…, ownProcessGroup: true)`).
        let leadsGroup: Bool

        /// Sends `signal` (SIGTERM, SIGKILL, …): to the program's whole process group (its helpers
        /// too) when it was started in one of its own, else to the program.
        public func send(_ signal: Int32) { kill(leadsGroup ? -pid : pid, signal) }

        /// Waits for the program to end; returns its exit status (128 + signal when killed).
        @discardableResult
        public func wait() throws -> Int32 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 {
                guard errno == EINTR else { throw Failure(description: "waiting for \(program) failed") }
            }
            return Self.decode(status)
        }

        /// The exit status when the program has ended (it is then reaped), nil while it runs;
        /// never blocks, so a caller can enforce its own limits between calls.
        public func exitStatus() throws -> Int32? {
            var status: Int32 = 0
            while true {
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid { return Self.decode(status) }
                if reaped == 0 { return nil }
                guard errno == EINTR else { throw Failure(description: "waiting for \(program) failed") }
            }
        }

        /// WIFEXITED / WEXITSTATUS are macros; decode the wait status by hand.
        private static func decode(_ status: Int32) -> Int32 {
            if status & 0x7f == 0 { return (status >> 8) & 0xff }
            return 128 + (status & 0x7f)
        }
    }

    /// Starts `arguments[0]` with `arguments` and the current environment plus `environment`;
    /// the standard streams named by a path are redirected to (or read from) that file. With
    /// `ownProcessGroup` the program leads a new process group, so `Running.send` reaches the
    /// helpers it starts as well (git's remote helpers); it then no longer gets the terminal's
    /// Ctrl-C.
    public static func start(_ arguments: [String], environment: [String: String] = [:], stdinPath: String? = nil,
                             stdoutPath: String? = nil, stderrPath: String? = nil, ownProcessGroup: Bool = false) throws -> Running {
        guard !arguments.isEmpty else { throw Failure(description: "no program to run") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdinPath { posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0) }
        if let stdoutPath { posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        if let stderrPath { posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var envp: [UnsafeMutablePointer<CChar>?] = [nil]
        if !environment.isEmpty {
            var merged: [String: String] = [:]
            var entry = environ
            while let pointer = entry.pointee {
                let text = String(cString: pointer)
                if let equals = text.firstIndex(of: "=") { merged[String(text[..<equals])] = String(text[text.index(after: equals)...]) }
                entry += 1
            }
            merged.merge(environment) { $1 }
            envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        }
        defer { envp.forEach { free($0) } }
        // The program starts with no signal blocked: Dispatch's worker threads (a BlockingExecutor)
        // block SIGTERM and others, and a child would inherit that mask and ignore being stopped.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | (ownProcessGroup ? POSIX_SPAWN_SETPGROUP : 0)))
        if ownProcessGroup { posix_spawnattr_setpgroup(&attributes, 0) }
        var pid: pid_t = 0
        let spawned = environment.isEmpty ? posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
                                          : posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        return Running(pid: pid, program: arguments[0], leadsGroup: ownProcessGroup)
    }
}
