import Foundation
import Testing
import TwinlogEvents
import TwinlogRuntime
@testable import Crawlers

/// Crawls a real git repository that the test creates and changes commit by commit.
@Suite("Repository crawl")
struct RepositoryCrawlTests {
    /// A throwaway repository driven through the git command line.
    struct Repository {
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("repo-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try git("init", "-q", "-b", "main")
            try git("config", "user.name", "Jane Doe")
            try git("config", "user.email", "jane@example.com")
        }

        func git(_ arguments: String...) throws {
            let status = try ChildProcess.run(["git", "-C", path] + arguments)
            guard status == 0 else { throw FixtureError(description: "git \(arguments.joined(separator: " ")) exited with \(status)") }
        }

        func write(_ file: String, _ text: String) throws { try write(file, Array(text.utf8)) }

        func write(_ file: String, _ bytes: [UInt8]) throws {
            let url = URL(fileURLWithPath: path + "/" + file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }

        func commit(_ message: String) throws -> String {
            try git("add", "-A")
            try git("commit", "-q", "-m", message)
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("head-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            try ChildProcess.run(["git", "-C", path, "rev-parse", "HEAD"], stdoutPath: out)
            return try String(contentsOfFile: out, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func id(_ file: String) -> String { EventIDs.documentId(repository: "file://" + path, path: file) }
    }

    @Test("files are captured with commit, path and language; a re-crawl emits only changes and deletions; an unchanged one nothing")
    func addChangeDelete() async throws {
        let repo = try Repository()
        defer { try? FileManager.default.removeItem(atPath: repo.path) }
        try repo.write("README.md", "# Notes\n\nContact: jane@example.com\n")
        try repo.write("src/main.swift", "print(\"hello\")\n")
        try repo.write("src/util.py", "def add(a, b):\n    return a + b\n")
        try repo.write("vendor/lib.js", "var vendored = 1;\n")
        try repo.write("package-lock.json", "{}\n")
        try repo.write("notes/data.txt", [0x50, 0x4B, 0x00, 0x01, 0x02])
        try repo.write("docs/big.md", String(repeating: "big ", count: 600))
        try repo.write("logo.png", [0x89, 0x50, 0x4E, 0x47])
        let first = try repo.commit("first")

        let services = try await CrawlServices.start("repo")
        var options = CrawlServices.testOptions(cache: repo.path + "-cache")
        options.repository.maxFileBytes = 1024
        let target = CrawlTarget(location: repo.path)
        #expect(target.platform == .github)

        let crawl1 = await services.crawl([target], options: options)
        #expect(crawl1.failures.isEmpty)
        #expect(crawl1.stats.captured == 3)
        let events1 = try EmittedEvents(try await services.emittedSoFar())
        #expect(Set(events1.captured.map(\.documentId)) == [repo.id("README.md"), repo.id("src/main.swift"), repo.id("src/util.py")])
        let readme = try #require(events1.captured(repo.id("README.md")))
        #expect(readme.title == "README.md")
        #expect(readme.content == "# Notes\n\nContact: [EMAIL]")
        #expect(readme.platform == .github)
        #expect(readme.kind == .repositoryFile)
        #expect(readme.authorName == "Jane Doe")
        #expect(readme.sourceUrl == "file://\(repo.path)/blob/\(first)/README.md")
        #expect(readme.metadata == ["repository": "file://" + repo.path, "commit": first, "path": "README.md", "language": "markdown"])
        #expect(events1.captured(repo.id("src/util.py"))?.content == "def add(a, b):\n    return a + b")
        #expect(events1.captured(repo.id("src/util.py"))?.metadata["language"] == "python")

        try repo.write("src/main.swift", "print(\"hello, world\")\n")
        try repo.write("docs/guide.md", "Run `make`.\n")
        try FileManager.default.removeItem(atPath: repo.path + "/src/util.py")
        let second = try repo.commit("second")
        let crawl2 = await services.crawl([target], options: options)
        #expect(crawl2.stats.captured == 2)
        #expect(crawl2.stats.removed == 1)
        #expect(crawl2.stats.fetched == 2)
        #expect(crawl2.stats.unchanged == 2)
        let events2 = try EmittedEvents(Array(try await services.emittedSoFar().dropFirst(3)))
        #expect(events2.captured.map(\.documentId).sorted() == [repo.id("docs/guide.md"), repo.id("src/main.swift")].sorted())
        #expect(events2.captured(repo.id("src/main.swift"))?.content == "print(\"hello, world\")")
        #expect(events2.captured(repo.id("src/main.swift"))?.metadata["commit"] == second)
        #expect(events2.removed == [DocumentRemoved(documentId: repo.id("src/util.py"), authorId: "jane-doe",
                                                    reason: "deleted from file://\(repo.path) at \(second)", removedAt: events2.removed.first?.removedAt ?? Date())])

        let crawl3 = await services.crawl([target], options: options)
        #expect(crawl3.stats.emitted == 0)
        #expect(crawl3.stats.unchanged == 1)

        try repo.write("vendor/lib.js", "var vendored = 2;\n")
        _ = try repo.commit("vendored only")
        let crawl4 = await services.crawl([target], options: options)
        #expect(crawl4.stats.emitted == 0)
        #expect(crawl4.failures.isEmpty)
        #expect(try await services.emittedSoFar().count == 6)
        await services.close()
    }

    @Test("a repository over http is cloned into the cache with git pinned to the checked address, then fetched on a re-crawl")
    func remoteRepository() async throws {
        let repo = try Repository()
        let served = FileManager.default.temporaryDirectory.appendingPathComponent("served-\(UUID().uuidString.prefix(8))").path
        defer {
            for folder in [repo.path, served, repo.path + "-cache"] { try? FileManager.default.removeItem(atPath: folder) }
        }
        try repo.write("README.md", "# Remote\n")
        try repo.write("src/app.py", "print('one')\n")
        _ = try repo.commit("first")
        // A bare copy served over git's dumb HTTP protocol (static files plus info/refs) at /notes:
        // the crawler clones the canonical URL, without ".git", as GitHub serves both.
        let bare = served + "/notes"
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        #expect(try ChildProcess.run(["git", "clone", "-q", "--bare", repo.path, bare]) == 0)
        #expect(try ChildProcess.run(["git", "-C", bare, "update-server-info"]) == 0)
        let server = try await FixtureServer.start([:], files: served)

        let services = try await CrawlServices.start("remote")
        let options = CrawlServices.testOptions(cache: repo.path + "-cache")
        // "localhost" is a name git would resolve itself; the crawl pins it to the address it checked.
        let location = "http://localhost:\(server.port)/notes.git"
        let repository = "http://localhost:\(server.port)/notes"
        let crawl1 = await services.crawl([CrawlTarget(location: location)], options: options)
        #expect(crawl1.failures.isEmpty, "\(crawl1.failures)")
        let events1 = try EmittedEvents(try await services.emittedSoFar())
        #expect(Set(events1.captured.map(\.documentId)) == Set(["README.md", "src/app.py"].map {
            EventIDs.documentId(repository: repository, path: $0)
        }))
        #expect(events1.captured.first?.metadata["repository"] == repository)
        #expect(!server.requests("/notes/info/refs").isEmpty)
        // git connects where the pin says, not where "localhost" resolves: pinned to 127.0.0.2, where
        // nothing listens, the same clone fails.
        let misdirected = try? await Git.run(Git.pin(host: "localhost", port: server.port, address: "127.0.0.2")
                                             + ["clone", "--bare", "--quiet", repository, served + "/elsewhere"], in: nil)
        #expect(misdirected == nil)

        try repo.write("src/app.py", "print('two')\n")
        _ = try repo.commit("second")
        #expect(try ChildProcess.run(["git", "-C", repo.path, "push", "-q", bare, "main"]) == 0)
        #expect(try ChildProcess.run(["git", "-C", bare, "update-server-info"]) == 0)
        let crawl2 = await services.crawl([CrawlTarget(location: location)], options: options)
        #expect(crawl2.failures.isEmpty, "\(crawl2.failures)")
        #expect(crawl2.stats.captured == 1)
        let events2 = try EmittedEvents(Array(try await services.emittedSoFar().dropFirst(2)))
        #expect(events2.captured.map(\.content) == ["print('two')"])
        await services.close()
        await server.stop()
    }

    @Test("a folder that is not a git repository fails with a clear error")
    func notARepository() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plain-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let services = try await CrawlServices.start("norepo")
        let report = await services.crawl([CrawlTarget(location: folder), CrawlTarget(location: folder + "/missing")],
                                          options: CrawlServices.testOptions(cache: folder + "/cache"))
        #expect(Set(report.failures.map(\.description)) == [
            "\(folder): git: `git rev-parse --git-dir` exited with status 128",
            "\(folder)/missing: no such folder \(folder)/missing",
        ])
        await services.close()
    }
}
