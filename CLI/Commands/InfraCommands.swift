import ArgumentParser
import Foundation
import TwinlogRuntime

/// Starts the local broker and PostgreSQL through `infra/dev/up`.
struct UpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "up", abstract: "Start the local broker and PostgreSQL (infra/dev/up).")
    func run() throws { try DevScript.run("up") }
}

/// Stops what `up` started, through `infra/dev/down`.
struct DownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "down", abstract: "Stop the local broker and PostgreSQL (infra/dev/down).")
    func run() throws { try DevScript.run("down") }
}

/// Finds and runs the project's dev scripts, so the shell scripts stay the one home of local infrastructure.
enum DevScript {
    /// The project root: `TWINLOG_ROOT`, or the first folder upwards from the working directory or
    /// the executable that holds `infra/dev/up`.
    static func projectRoot() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [URL] = []
        if let root = environment["TWINLOG_ROOT"] { candidates.append(URL(fileURLWithPath: root)) }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        for start in candidates {
            var folder = start.standardizedFileURL
            while true {
                if FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("infra/dev/up").path) { return folder }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        throw ValidationError("cannot find the Twinlog project (infra/dev/up); run from inside it or set TWINLOG_ROOT")
    }

    static func run(_ name: String) throws {
        let script = try projectRoot().appendingPathComponent("infra/dev/\(name)")
        let status = try ChildProcess.run([script.path])
        guard status == 0 else { throw ExitCode(status) }
    }
}
