import Foundation
import TwinlogRuntime
import TwinlogTestSupport

/// A PostgreSQL cluster of one test's own, in a temporary folder on a free port, for tests that
/// must restart or stop the server without disturbing the tests sharing the main one. It runs
/// with `wal_level = logical`, so the CDC relay can stream from it.
final class PrivatePostgres: @unchecked Sendable {
    let folder: URL
    let port: Int
    private let bin: String
    var url: String { "postgresql://twinlog@127.0.0.1:\(port)/postgres" }

    private init(folder: URL, port: Int, bin: String) {
        self.folder = folder
        self.port = port
        self.bin = bin
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs blocking process work off the cooperative pool.
    private static let executor = BlockingExecutor(label: "tests.private-postgres")

    static func start() async throws -> PrivatePostgres {
        try await executor.run { try startBlocking() }
    }

    func restart() async throws {
        try await Self.executor.run { [self] in try restartBlocking() }
    }

    func stop() async {
        await Self.executor.run { [self] in stopBlocking() }
    }

    private static func startBlocking() throws -> PrivatePostgres {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.compactMap(Int.init).max() else {
            throw Failure(description: "PostgreSQL server binaries are missing under /usr/lib/postgresql; run infra/dev/setup")
        }
        let folder = URL(fileURLWithPath: temporaryPath("pg"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let server = PrivatePostgres(folder: folder, port: Int.random(in: 40000...49999), bin: "/usr/lib/postgresql/\(version)/bin")
        if getuid() == 0 { try server.shell("chown postgres \(folder.path) && chmod 700 \(folder.path)", asRoot: true) }
        try server.shell("\(server.bin)/initdb -D \(folder.path)/data -U twinlog --auth=trust >/dev/null")
        try server.shell("printf \"port = \(server.port)\\nlisten_addresses = '127.0.0.1'\\nunix_socket_directories = ''\\nfsync = off\\nwal_level = logical\\n\" >> \(folder.path)/data/postgresql.conf")
        try server.startServer()
        return server
    }

    private func restartBlocking() throws {
        try shell("\(bin)/pg_ctl -D \(folder.path)/data -m fast -w stop >/dev/null")
        try startServer()
    }

    private func stopBlocking() {
        try? shell("\(bin)/pg_ctl -D \(folder.path)/data -m immediate -w stop >/dev/null 2>&1")
        try? FileManager.default.removeItem(at: folder)
    }

    private func startServer() throws {
        try shell("\(bin)/pg_ctl -D \(folder.path)/data -l \(folder.path)/server.log -w -t 30 start >/dev/null")
    }

    /// Runs a shell command, as the postgres user when we are root (PostgreSQL refuses root).
    private func shell(_ command: String, asRoot: Bool = false) throws {
        let line = getuid() == 0 && !asRoot
            ? "runuser -u postgres -- sh -c '\(command.replacingOccurrences(of: "'", with: "'\\''"))'"
            : command
        let status = try ChildProcess.run(["/bin/sh", "-c", line])
        guard status == 0 else { throw Failure(description: "command failed (status \(status)): \(command)") }
    }
}
