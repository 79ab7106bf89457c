#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program to completion with posix_spawn and waitpid, optionally reading stdin from a file
/// and writing stdout to a file. Blocks the calling thread: call it from a `BlockingExecutor`.
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
        guard !arguments.isEmpty else { throw Failure(description: "no program to run") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdinPath { posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0) }
        if let stdoutPath { posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw Failure(description: "waiting for \(arguments[0]) failed") }
        }
        // WIFEXITED / WEXITSTATUS are macros; decode the wait status by hand.
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }
}
