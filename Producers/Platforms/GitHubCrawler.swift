import Foundation
import TwinlogEvents

/// A git repository (a GitHub https URL, any `.git` URL, or a local repository): the files of
/// HEAD's tree that `RepositoryOptions` keeps become documents with commit, path and language.
/// On a re-crawl only files whose blob changed since the last crawled commit are read, and files
/// that disappeared (or stopped qualifying) since produce DocumentRemoved. https repositories are
/// cloned bare into a cache and fetched on later crawls; local repositories are read in place
/// (their committed HEAD, not uncommitted edits).
struct GitHubCrawler: Crawler {
    func crawl(_ target: CrawlTarget, context: CrawlContext) async throws(CrawlError) -> Harvest {
        let (repository, git, owner) = try await open(target, context: context)
        var harvest = Harvest(source: repository)
        let head = try await git.head()
        let last = try await context.stateRead(repository) { try await $0.lastCommit(of: repository) }
        if last == head {
            harvest.notModified = 1
            return harvest
        }
        let options = context.options.repository
        let files = try await git.files(at: head)
        let kept = files.filter { ($0.mode == "100644" || $0.mode == "100755") && $0.size > 0 && $0.size <= options.maxFileBytes }
            .compactMap { entry in options.language(of: entry.path).map { (entry, $0) } }
        var toRead = kept
        if let last, await git.has(last) {
            var previous: [String: String] = [:]
            for entry in try await git.files(at: last) { previous[entry.path] = entry.blob }
            toRead = kept.filter { previous[$0.0.path] != $0.0.blob }
            harvest.notModified = kept.count - toRead.count
        }
        var found = owner
        if found == nil, target.authorName == nil { found = try? await git.authorName(of: head) }
        let author = Capture.authorName(target, found: found)
        let authorId = EventIDs.authorId(name: author)
        let contents = try await git.contents(of: Array(Set(toRead.map(\.0.blob))))
        var present = Set(kept.map { EventIDs.documentId(repository: repository, path: $0.0.path) })
        for (entry, language) in toRead {
            harvest.fetched += 1
            let id = EventIDs.documentId(repository: repository, path: entry.path)
            guard let bytes = contents[entry.blob], RepositoryOptions.isText(bytes) else {
                present.remove(id)
                continue
            }
            let text = context.cleaner.clean(String(decoding: bytes, as: UTF8.self))
            guard !text.isEmpty else {
                present.remove(id)
                continue
            }
            harvest.documents.append(DocumentCaptured(
                documentId: id, authorId: authorId, authorName: author, platform: .github, kind: .repositoryFile,
                sourceUrl: repository + "/blob/" + head + "/" + entry.path, title: entry.path, content: text, capturedAt: context.now,
                metadata: ["repository": repository, "commit": head, "path": entry.path, "language": language]))
        }
        let known = try await context.stateRead(repository) { try await $0.documents(from: repository) }
        harvest.removals = known.keys.filter { !present.contains($0) }.sorted().map { ($0, "deleted from \(repository) at \(head)") }
        harvest.repositoryCommit = (repository, head)
        return harvest
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
            _ = try await Git.run(pin + ["fetch", "--quiet", "--prune", "--update-head-ok", "origin", "+refs/heads/*:refs/heads/*"], in: cache)
        } else {
            do { try FileManager.default.createDirectory(atPath: context.options.repository.cacheDirectory, withIntermediateDirectories: true) } catch {
                throw CrawlError(url: target.location, .invalidSource("cannot create the repository cache: \(error)"))
            }
            _ = try await Git.run(pin + ["clone", "--bare", "--quiet", repository, cache], in: nil)
        }
        return (repository, Git(directory: cache), segments.first)
    }
}
