import Crawlers
import Foundation
import TwinlogEvents
import TwinlogRuntime

/// The sample author bundled with the demo (`SampleAuthor/`, written for the project): a git
/// repository built at demo time from one folder per commit, a Medium-style RSS feed and a few
/// articles served from a loopback site, a LinkedIn data export, and five questions each answered
/// by one of the author's documents. `author.json` is the manifest.
public struct SampleAuthor: Sendable, Decodable {
    /// A question and the title of the document that answers it.
    public struct Question: Sendable, Decodable {
        public let question: String
        public let expectedTitle: String
    }

    /// One commit of the sample repository: the folder whose files it writes over the tree.
    public struct Commit: Sendable, Decodable {
        public let folder: String
        public let message: String
        /// ISO 8601; author and committer date, so every build of the repository has the same hashes.
        public let date: String
    }

    public let name: String
    public let email: String
    /// The feed's path on the sample site.
    public let feed: String
    /// Paths of the sample site's articles.
    public let articles: [String]
    public let commits: [Commit]
    public let questions: [Question]

    /// The bundled files' folder.
    public static var folder: URL { Bundle.module.resourceURL!.appendingPathComponent("SampleAuthor") }

    /// Reads the bundled manifest.
    public static func bundled() throws -> SampleAuthor {
        let manifest = folder.appendingPathComponent("author.json")
        guard let data = FileManager.default.contents(atPath: manifest.path) else {
            throw DemoError("the sample author's manifest is missing at \(manifest.path)")
        }
        return try JSONDecoder().decode(SampleAuthor.self, from: data)
    }

    /// The author id every document of the sample author carries.
    public var authorId: String { EventIDs.authorId(name: name) }

    /// The LinkedIn data export folder (`Shares.csv` and `Articles/`), crawled in place.
    public var linkedInExport: URL { Self.folder.appendingPathComponent("linkedin-export") }

    /// What the demo crawls: the repository, the feed, the export and the site's articles, all
    /// attributed to the author.
    public func targets(site origin: String, repository: URL) -> [CrawlTarget] {
        [CrawlTarget(location: repository.path, platform: .github, authorName: name),
         CrawlTarget(location: origin + feed, platform: .medium, authorName: name),
         CrawlTarget(location: linkedInExport.path, platform: .linkedin, authorName: name)]
            + articles.map { CrawlTarget(location: origin + $0, platform: .article, authorName: name) }
    }

    /// Builds the repository at `folder` (replacing what is there): `git init`, then one commit
    /// per manifest entry, each writing its folder's files over the tree. Author, committer and
    /// dates are fixed, so the commits get the same hashes on every machine.
    public func writeRepository(at folder: URL) async throws {
        let commits = self.commits, name = self.name, email = self.email
        try await BlockingExecutor(label: "twinlog.demo.repository").run {
            let files = FileManager.default
            try? files.removeItem(at: folder)
            try files.createDirectory(at: folder, withIntermediateDirectories: true)
            try Self.git(["init", "--quiet", "--initial-branch=main"], in: folder, date: nil, name: name, email: email)
            for commit in commits {
                let source = Self.folder.appendingPathComponent(commit.folder)
                guard let relative = files.enumerator(atPath: source.path)?.allObjects as? [String] else {
                    throw DemoError("the sample commit folder \(commit.folder) is missing")
                }
                for path in relative.sorted() {
                    var isDirectory: ObjCBool = false
                    let from = source.appendingPathComponent(path), to = folder.appendingPathComponent(path)
                    guard files.fileExists(atPath: from.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                    try files.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try? files.removeItem(at: to)
                    try files.copyItem(at: from, to: to)
                }
                try Self.git(["add", "--all"], in: folder, date: commit.date, name: name, email: email)
                try Self.git(["commit", "--quiet", "--no-verify", "--message", commit.message], in: folder, date: commit.date, name: name, email: email)
            }
        }
    }

    /// Runs git in `folder` without the user's or the system's configuration.
    private static func git(_ arguments: [String], in folder: URL, date: String?, name: String, email: String) throws {
        var environment = ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "LC_ALL": "C"]
        if let date {
            environment["GIT_AUTHOR_DATE"] = date
            environment["GIT_COMMITTER_DATE"] = date
        }
        let status = try ChildProcess.start(["git", "-C", folder.path, "-c", "commit.gpgsign=false"] + arguments, environment: environment,
                                            stdoutPath: "/dev/null").wait()
        guard status == 0 else { throw DemoError("`git \(arguments.first ?? "")` in \(folder.path) exited with status \(status)") }
    }
}

/// Why the demo stopped, in words for the person running it.
public struct DemoError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
