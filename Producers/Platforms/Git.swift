import Foundation
import Synchronization
import TwinlogRuntime

/// The git commands the repository crawler needs, run with `ChildProcess` on a blocking
/// executor. Output goes through temporary files (ChildProcess redirects to files, not pipes).
/// git never prompts for credentials, never follows HTTP redirects (each would bypass the
/// address check) and speaks only https, http and local-file transports; a network command is
/// pinned (`pin`) to the address the check approved, so DNS cannot send it elsewhere after.
/// A clone or fetch runs under `Limits`: git's own low-speed abort, a kill timer and a cap on
/// the repository's size on disk.
struct Git: Sendable {
    /// The repository folder (a working tree or a bare repository).
    var directory: String

    private static let executor = BlockingExecutor(label: "twinlog.crawl.git")
    static let safety = ["-c", "protocol.allow=never", "-c", "protocol.https.allow=always", "-c", "protocol.http.allow=always",
                         "-c", "protocol.file.allow=always", "-c", "http.followRedirects=false", "-c", "core.quotePath=false"]

    /// One entry of `git ls-tree -r -l`.
    struct Entry: Sendable, Equatable {
        var mode: String
        var blob: String
        var size: Int
        var path: String
    }

    /// Bounds on a git command that talks to a server.
    struct Limits: Sendable {
        /// How long the command may run; then its process group (git and its remote helpers) gets
        /// SIGTERM, and SIGKILL `Git.grace` later.
        var timeout: Duration
        /// The repository folder whose size on disk is capped.
        var folder: String
        /// The cap, in bytes: checked while the command runs and after it ends.
        var maxBytes: Int
    }

    /// How long a stopped git command has between SIGTERM and SIGKILL.
    static let grace: Duration = .seconds(5)

    /// The global options that make git's libcurl connect `host:port` to `address` (the one the
    /// address check approved) instead of resolving the name again; none for an IP literal, which
    /// is never resolved.
    static func pin(host: String, port: Int, address: String) -> [String] {
        guard host.contains(where: \.isLetter), !host.contains(":") else { return [] }
        return ["-c", "http.curloptResolve=\(host):\(port):\(address)"]
    }

    /// The global options that make git abort an http(s) transfer slower than
    /// `options.lowSpeedLimit` bytes per second for `options.lowSpeedTime` (whole seconds, at least 1).
    static func lowSpeed(_ options: RepositoryOptions) -> [String] {
        let seconds = Int(min(max(options.lowSpeedTime.inSeconds.rounded(.up), 1), 1e9))
        return ["-c", "http.lowSpeedLimit=\(max(options.lowSpeedLimit, 1))", "-c", "http.lowSpeedTime=\(seconds)"]
    }

    /// Clones `repository` bare into `folder` with the global options `config` (the pin) under
    /// `options`' limits. A failed clone leaves no folder behind; a leftover folder without a
    /// repository (an earlier clone killed mid-way) is replaced.
    static func clone(_ repository: String, into folder: String, config: [String], options: RepositoryOptions) async throws(CrawlError) {
        try? FileManager.default.removeItem(atPath: folder)
        let limits = Limits(timeout: options.gitTimeout, folder: folder, maxBytes: options.maxRepositoryBytes)
        do throws(CrawlError) {
            _ = try await run(["clone", "--bare", "--quiet", repository, folder], in: nil, config: config + lowSpeed(options), limits: limits,
                              url: repository)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    /// Fetches every branch of `repository` into this bare repository with the global options
    /// `config` (the pin) under `options`' limits. A fetch that takes the repository past the size
    /// cap removes it from the cache (the next crawl clones it again, and meets the cap again).
    func fetch(_ repository: String, config: [String], options: RepositoryOptions) async throws(CrawlError) {
        let limits = Limits(timeout: options.gitTimeout, folder: directory, maxBytes: options.maxRepositoryBytes)
        do throws(CrawlError) {
            _ = try await Self.run(["fetch", "--quiet", "--prune", "--update-head-ok", "origin", "+refs/heads/*:refs/heads/*"], in: directory,
                                   config: config + Self.lowSpeed(options), limits: limits, url: repository)
        } catch {
            if Self.exceeds(directory, options.maxRepositoryBytes) { try? FileManager.default.removeItem(atPath: directory) }
            throw error
        }
    }

    /// Runs git with the global options `config` and `arguments` and returns its standard output;
    /// throws with the command on failure (errors name `url`, else the folder). With `limits` the
    /// command runs in a process group of its own, is stopped when it passes a limit or its task
    /// is cancelled, and a failure quotes git's last line of standard error.
    static func run(_ arguments: [String], in directory: String?, stdin: [UInt8]? = nil, config: [String] = [], limits: Limits? = nil,
                    url: String? = nil) async throws(CrawlError) -> [UInt8] {
        let prefix = directory.map { ["-C", $0] } ?? []
        let command = ["git"] + safety + config + prefix + arguments
        let named = "`git \(arguments.prefix(3).joined(separator: " "))`"
        let source = url ?? directory ?? "git"
        let cancellation = Cancellation()
        do {
            return try await withTaskCancellationHandler {
                try await executor.run {
                    let folder = FileManager.default.temporaryDirectory.path + "/twinlog-git-\(UUID().uuidString)"
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    defer { try? FileManager.default.removeItem(atPath: folder) }
                    var stdinPath: String?
                    if let stdin {
                        stdinPath = folder + "/stdin"
                        guard FileManager.default.createFile(atPath: folder + "/stdin", contents: Data(stdin)) else {
                            throw CrawlError(url: source, .git("cannot write a temporary file in \(folder)"))
                        }
                    }
                    guard !cancellation.requested else { throw CrawlError(url: source, .git("\(named) was cancelled")) }
                    let running = try ChildProcess.start(command, environment: ["GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "LC_ALL": "C"],
                                                         stdinPath: stdinPath, stdoutPath: folder + "/stdout",
                                                         stderrPath: limits == nil ? nil : folder + "/stderr", ownProcessGroup: limits != nil)
                    guard let limits else {
                        let status = try running.wait()
                        guard status == 0 else { throw CrawlError(url: source, .git("\(named) exited with status \(status)")) }
                        return Array(FileManager.default.contents(atPath: folder + "/stdout") ?? Data())
                    }
                    let (status, stop) = try supervise(running, limits: limits, cancellation: cancellation)
                    switch stop {
                    case .timeout:
                        throw CrawlError(url: source, .git("\(named) did not finish within the \(HTTPFetcher.seconds(limits.timeout)) limit and was stopped"))
                    case .size:
                        throw CrawlError(url: source, .git("\(named): the repository exceeds the \(limits.maxBytes)-byte size cap"))
                    case .cancelled:
                        throw CrawlError(url: source, .git("\(named) was cancelled"))
                    case nil:
                        break
                    }
                    guard status == 0 else {
                        let said = lastLine(of: folder + "/stderr").map { ": " + $0 } ?? ""
                        throw CrawlError(url: source, .git("\(named) exited with status \(status)\(said)"))
                    }
                    guard !exceeds(limits.folder, limits.maxBytes) else {
                        throw CrawlError(url: source, .git("\(named): the repository exceeds the \(limits.maxBytes)-byte size cap"))
                    }
                    return Array(FileManager.default.contents(atPath: folder + "/stdout") ?? Data())
                }
            } onCancel: {
                cancellation.request()
            }
        } catch let error as CrawlError {
            throw error
        } catch {
            throw CrawlError(url: url ?? directory ?? arguments.last ?? "git", .git("\(error)"))
        }
    }

    /// Why a supervised command was stopped before it ended.
    enum Stop: Sendable, Equatable {
        case timeout, size, cancelled
    }

    /// A request to stop a running command, set from a task's cancellation handler.
    final class Cancellation: Sendable {
        private let flag = Atomic<Bool>(false)
        var requested: Bool { flag.load(ordering: .acquiring) }
        func request() { flag.store(true, ordering: .releasing) }
    }

    /// Waits for `running` on the calling (executor) thread, checking it every 1 ms growing to
    /// 50 ms; stops it — SIGTERM to its process group, SIGKILL `grace` later — once it outlives
    /// `limits.timeout`, the folder outgrows `limits.maxBytes` (measured every 250 ms) or the
    /// cancellation is requested. Signals go out only before the program is reaped, so never to a
    /// reused process id. Returns the exit status and why it was stopped, if it was.
    private static func supervise(_ running: ChildProcess.Running, limits: Limits, cancellation: Cancellation) throws -> (Int32, Stop?) {
        let clock = ContinuousClock()
        let started = clock.now
        var stop: Stop?
        var signalled: ContinuousClock.Instant?
        var killed = false
        var nextMeasure = started
        var pause = Duration.milliseconds(1)
        while true {
            if let status = try running.exitStatus() { return (status, stop) }
            let now = clock.now
            if let signalled {
                if !killed, now - signalled >= grace {
                    running.send(SIGKILL)
                    killed = true
                }
            } else {
                if cancellation.requested {
                    stop = .cancelled
                } else if now - started >= limits.timeout {
                    stop = .timeout
                } else if now >= nextMeasure {
                    nextMeasure = now + .milliseconds(250)
                    if exceeds(limits.folder, limits.maxBytes) { stop = .size }
                }
                if stop != nil {
                    running.send(SIGTERM)
                    signalled = now
                }
            }
            Thread.sleep(forTimeInterval: pause.inSeconds)
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    /// Whether the regular files under `folder` add up to more than `limit` bytes (false when
    /// the folder does not exist yet); stops counting once past the limit.
    static func exceeds(_ folder: String, _ limit: Int) -> Bool {
        let keys: [URLResourceKey] = [.fileSizeKey, .isRegularFileKey]
        guard let walker = FileManager.default.enumerator(at: URL(fileURLWithPath: folder), includingPropertiesForKeys: keys,
                                                          errorHandler: { _, _ in true }) else { return false }
        var total = 0
        for case let file as URL in walker {
            guard let values = try? file.resourceValues(forKeys: Set(keys)), values.isRegularFile == true else { continue }
            total += values.fileSize ?? 0
            if total > limit { return true }
        }
        return false
    }

    /// The last non-empty line of the file at `path` (a command's standard error, which may quote
    /// a server), from its last 4 KiB, control characters dropped, at most 300 characters.
    private static func lastLine(of path: String) -> String? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        guard let end = try? file.seekToEnd() else { return nil }
        try? file.seek(toOffset: end > 4096 ? end - 4096 : 0)
        guard let data = try? file.readToEnd() else { return nil }
        let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { String($0.unicodeScalars.filter { $0.properties.generalCategory != .control }).trimmingCharacters(in: .whitespaces) }
            .last { !$0.isEmpty }
        return line.map { String($0.prefix(300)) }
    }

    /// The commit HEAD points to.
    func head() async throws(CrawlError) -> String {
        let output = try await Self.run(["rev-parse", "--verify", "HEAD^{commit}"], in: directory)
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether `commit` exists in the repository.
    func has(_ commit: String) async -> Bool {
        (try? await Self.run(["cat-file", "-e", commit + "^{commit}"], in: directory)) != nil
    }

    /// The name of the author of `commit`.
    func authorName(of commit: String) async throws(CrawlError) -> String {
        let output = try await Self.run(["log", "-1", "--format=%an", commit], in: directory)
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every file of `commit`'s tree with its blob id and size.
    func files(at commit: String) async throws(CrawlError) -> [Entry] {
        let output = try await Self.run(["ls-tree", "-r", "-l", "-z", "--full-tree", commit], in: directory)
        var entries: [Entry] = []
        for record in output.split(separator: 0) {
            // "<mode> <type> <object> <size>\t<path>"
            guard let tab = record.firstIndex(of: UInt8(ascii: "\t")) else { continue }
            let fields = record[record.startIndex..<tab].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
            guard fields.count == 4, fields[1].elementsEqual("blob".utf8) else { continue }
            entries.append(Entry(mode: String(decoding: fields[0], as: UTF8.self), blob: String(decoding: fields[2], as: UTF8.self),
                                 size: Int(String(decoding: fields[3], as: UTF8.self)) ?? 0,
                                 path: String(decoding: record[record.index(after: tab)...], as: UTF8.self)))
        }
        return entries
    }

    /// The contents of `blobs`, read with one `git cat-file --batch` per 2,000 blobs.
    func contents(of blobs: [String]) async throws(CrawlError) -> [String: [UInt8]] {
        var contents: [String: [UInt8]] = [:]
        var start = 0
        while start < blobs.count {
            let batch = blobs[start..<min(start + 2000, blobs.count)]
            start += batch.count
            let output = try await Self.run(["cat-file", "--batch"], in: directory, stdin: Array(batch.joined(separator: "\n").utf8) + [10])
            // Each object: "<id> <type> <size>\n<bytes>\n"; a missing one: "<id> missing\n".
            var cursor = output.startIndex
            while cursor < output.endIndex, let newline = output[cursor...].firstIndex(of: 10) {
                let header = output[cursor..<newline].split(separator: UInt8(ascii: " "))
                cursor = output.index(after: newline)
                guard header.count == 3, let size = Int(String(decoding: header[2], as: UTF8.self)) else { continue }
                let end = min(cursor + size, output.endIndex)
                contents[String(decoding: header[0], as: UTF8.self)] = Array(output[cursor..<end])
                cursor = min(end + 1, output.endIndex)
            }
        }
        return contents
    }
}
