import Foundation
import TwinlogRuntime

/// The git commands the repository crawler needs, run with `ChildProcess` on a blocking
/// executor. Output goes through temporary files (ChildProcess redirects to files, not pipes).
/// git never prompts for credentials, never follows HTTP redirects (each would bypass the
/// address check) and speaks only https, http and local-file transports; a network command is
/// pinned (`pin`) to the address the check approved, so DNS cannot send it elsewhere after.
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

    /// The global options that make git's libcurl connect `host:port` to `address` (the one the
    /// address check approved) instead of resolving the name again; none for an IP literal, which
    /// is never resolved.
    static func pin(host: String, port: Int, address: String) -> [String] {
        guard host.contains(where: \.isLetter), !host.contains(":") else { return [] }
        return ["-c", "http.curloptResolve=\(host):\(port):\(address)"]
    }

    /// Runs git with `arguments` and returns its standard output; throws with the command on failure.
    static func run(_ arguments: [String], in directory: String?, stdin: [UInt8]? = nil) async throws(CrawlError) -> [UInt8] {
        let prefix = directory.map { ["-C", $0] } ?? []
        let command = ["git"] + safety + prefix + arguments
        do {
            return try await executor.run {
                let folder = FileManager.default.temporaryDirectory.path + "/twinlog-git-\(UUID().uuidString)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: folder) }
                var stdinPath: String?
                if let stdin {
                    stdinPath = folder + "/stdin"
                    guard FileManager.default.createFile(atPath: stdinPath!, contents: Data(stdin)) else {
                        throw CrawlError(url: directory ?? "git", .git("cannot write a temporary file in \(folder)"))
                    }
                }
                let running = try ChildProcess.start(command, environment: ["GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "LC_ALL": "C"],
                                                     stdinPath: stdinPath, stdoutPath: folder + "/stdout")
                let status = try running.wait()
                guard status == 0 else {
                    throw CrawlError(url: directory ?? "git", .git("`git \(arguments.prefix(3).joined(separator: " "))` exited with status \(status)"))
                }
                return Array(FileManager.default.contents(atPath: folder + "/stdout") ?? Data())
            }
        } catch let error as CrawlError {
            throw error
        } catch {
            throw CrawlError(url: directory ?? arguments.last ?? "git", .git("\(error)"))
        }
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
