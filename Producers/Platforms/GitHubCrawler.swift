import Foundation
import Logging
import TwinlogEvents
import TwinlogText

/// A git repository (a GitHub https URL, any `.git` URL, or a local repository): the files of
/// HEAD's tree that `RepositoryOptions` keeps become documents with commit, path and language
/// (notebooks become their cells' text, `Notebook`). A file is read when its blob changed since the
/// last crawled commit or crawl state has no document for it (so files that new options keep are
/// captured at an unchanged commit); when no file qualifies nothing is read. Files that
/// disappeared (or stopped qualifying) since produce DocumentRemoved. https repositories are
/// cloned bare into a cache and fetched on later crawls; local repositories are read in place
/// (their committed HEAD, not uncommitted edits).
struct GitHubCrawler: Crawler {
    func crawl(_ target: CrawlTarget, context: CrawlContext) async throws(CrawlError) -> Harvest {
        let (repository, git, owner) = try await open(target, context: context)
        var harvest = Harvest(source: repository)
        let options = context.options.repository
        let head = try await git.head()
        let last = try await context.stateRead(repository) { try await $0.lastCommit(of: repository) }
        let known = try await context.stateRead(repository) { try await $0.documents(from: repository) }
        let kept = try await git.files(at: head).compactMap { entry -> (Git.Entry, String)? in
            guard entry.mode == "100644" || entry.mode == "100755", let language = options.language(of: entry.path, size: entry.size) else { return nil }
            return (entry, language)
        }
        // Each path's blob at the last crawled commit; none on a first crawl or when that commit is gone (force push).
        var previous: [String: String] = [:]
        if let last, last == head {
            for (entry, _) in kept { previous[entry.path] = entry.blob }
        } else if let last, await git.has(last) {
            for entry in try await git.files(at: last) { previous[entry.path] = entry.blob }
        }
        func id(_ entry: Git.Entry) -> String { EventIDs.documentId(repository: repository, path: entry.path) }
        let toRead = kept.filter { previous[$0.0.path] != $0.0.blob || known[id($0.0)] == nil }
        harvest.notModified = kept.count - toRead.count
        var present = Set(kept.map { id($0.0) })
        if !toRead.isEmpty {
            var found = owner
            if found == nil, target.authorName == nil { found = try? await git.authorName(of: head) }
            let author = Capture.authorName(target, found: found)
            let authorId = EventIDs.authorId(name: author)
            for chunk in Self.chunks(toRead, maxBytes: Self.readChunkBytes) {
                let contents = try await git.contents(of: Array(Set(chunk.map(\.0.blob))))
                for (entry, language) in chunk {
                    harvest.fetched += 1
                    guard let text = text(of: contents[entry.blob], language: language, path: entry.path, repository: repository, context: context) else {
                        present.remove(id(entry))
                        continue
                    }
                    harvest.documents.append(DocumentCaptured(
                        documentId: id(entry), authorId: authorId, authorName: author, platform: .github, kind: .repositoryFile,
                        sourceUrl: repository + "/blob/" + head + "/" + entry.path, title: entry.path, content: text, capturedAt: context.now,
                        metadata: ["repository": repository, "commit": head, "path": entry.path, "language": language]))
                }
            }
        }
        harvest.removals = known.keys.filter { !present.contains($0) }.sorted().map { ($0, "deleted from \(repository) at \(head)") }
        if last != head { harvest.repositoryCommit = (repository, head) }
        return harvest
    }

    /// Blob bytes read from git at a time: raw files are dropped once turned into text, so memory
    /// stays bounded whatever the repository holds (notebooks may be 4 MiB each).
    static let readChunkBytes = 64 << 20

    /// `files` in order, cut into runs whose sizes add up to at most `maxBytes` (a larger file is a run of its own).
    static func chunks(_ files: [(Git.Entry, String)], maxBytes: Int) -> [ArraySlice<(Git.Entry, String)>] {
        var runs: [ArraySlice<(Git.Entry, String)>] = []
        var start = 0, bytes = 0
        for (index, file) in files.enumerated() {
            if index > start, bytes + file.0.size > maxBytes {
                runs.append(files[start..<index])
                start = index
                bytes = 0
            }
            bytes += file.0.size
        }
        if start < files.count { runs.append(files[start...]) }
        return runs
    }

    /// The document text of a file's `bytes`, or nil when the file is skipped: missing, binary, a
    /// malformed notebook (logged with its path), a notebook whose text exceeds `maxFileBytes`, or
    /// nothing left once cleaned.
    private func text(of bytes: [UInt8]?, language: String, path: String, repository: String, context: CrawlContext) -> String? {
        guard let bytes, RepositoryOptions.isText(bytes) else { return nil }
        var raw = String(decoding: bytes, as: UTF8.self)
        if language == "notebook" {
            do {
                raw = try Notebook.text(of: bytes)
            } catch {
                context.logger.warning("skipping a malformed notebook", metadata: [
                    "repository": "\(repository)", "path": "\(path)", "error": "\(error)"])
                return nil
            }
            guard raw.utf8.count <= context.options.repository.maxFileBytes else { return nil }
        }
        let text = context.cleaner.clean(raw)
        return text.isEmpty ? nil : text
    }

    /// The repository's canonical name, a `Git` on a local copy, and the owner named by its URL.
    private func open(_ target: CrawlTarget, context: CrawlContext) async throws(CrawlError) -> (String, Git, String?) {
        if let path = Dispatcher.localPath(target.location) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CrawlError(url: target.location, .invalidSource("no such folder \(path)"))
            }
            _ = try await Git.run(["rev-parse", "--git-dir"], in: path)
            return ("file://" + path, Git(directory: path), nil)
        }
        guard var components = URLComponents(string: target.location), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host?.lowercased() else {
            throw CrawlError(url: target.location, .unsupportedURL("a repository is an http(s) URL or a local path"))
        }
        var segments = components.path.split(separator: "/").map(String.init)
        if host == "github.com" || host == "www.github.com" {
            guard segments.count >= 2 else { throw CrawlError(url: target.location, .unsupportedURL("not a repository URL (expected github.com/OWNER/NAME)")) }
            segments = Array(segments.prefix(2))
        }
        if let last = segments.last, last.hasSuffix(".git") { segments[segments.count - 1] = String(last.dropLast(4)) }
        components.path = "/" + segments.joined(separator: "/")
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        let repository = EventIDs.canonicalURL(components.string ?? target.location)
        let address = try await context.options.fetch.addressPolicy.checking(host: host, url: target.location)
        let pin = Git.pin(host: host, port: components.port ?? (scheme == "https" ? 443 : 80), address: address)
        let cache = context.options.repository.cacheDirectory + "/" + EventIDs.sha256Hex(repository).prefix(16) + ".git"
        if FileManager.default.fileExists(atPath: cache + "/HEAD") {
            try await Git(directory: cache).fetch(repository, config: pin, options: context.options.repository)
        } else {
            do { try FileManager.default.createDirectory(atPath: context.options.repository.cacheDirectory, withIntermediateDirectories: true) } catch {
                throw CrawlError(url: target.location, .invalidSource("cannot create the repository cache: \(error)"))
            }
            try await Git.clone(repository, into: cache, config: pin, options: context.options.repository)
        }
        return (repository, Git(directory: cache), segments.first)
    }
}
