import Foundation
import Testing
import TwinlogEvents
import TwinlogRuntime
@testable import Crawlers
import TwinlogTestSupport
import TwinlogText

/// Crawls a real git repository that the test creates and changes commit by commit.
@Suite("Repository crawl")
struct RepositoryCrawlTests {
    /// A throwaway repository driven through the git command line.
    struct Repository {
        let path: String

        init() throws {
            path = temporaryPath("repo")
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
            let out = temporaryPath("head")
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
        // Read: the changed and the new file, and the binary notes/data.txt again (crawl state
        // records captured documents only, and a file it does not know is read); README.md is not.
        #expect(crawl2.stats.fetched == 3)
        #expect(crawl2.stats.unchanged == 1)
        let events2 = try EmittedEvents(Array(try await services.emittedSoFar().dropFirst(3)))
        #expect(events2.captured.map(\.documentId).sorted() == [repo.id("docs/guide.md"), repo.id("src/main.swift")].sorted())
        #expect(events2.captured(repo.id("src/main.swift"))?.content == "print(\"hello, world\")")
        #expect(events2.captured(repo.id("src/main.swift"))?.metadata["commit"] == second)
        #expect(events2.removed == [DocumentRemoved(documentId: repo.id("src/util.py"), authorId: "jane-doe",
                                                    reason: "deleted from file://\(repo.path) at \(second)", removedAt: events2.removed.first?.removedAt ?? Date())])

        let crawl3 = await services.crawl([target], options: options)
        #expect(crawl3.stats.emitted == 0)
        #expect(crawl3.stats.unchanged == 3)
        #expect(crawl3.stats.fetched == 1)

        try repo.write("vendor/lib.js", "var vendored = 2;\n")
        _ = try repo.commit("vendored only")
        let crawl4 = await services.crawl([target], options: options)
        #expect(crawl4.stats.emitted == 0)
        #expect(crawl4.failures.isEmpty)
        #expect(try await services.emittedSoFar().count == 6)
        await services.close()
    }

    @Test("configuration files and notebooks are captured with their language; lockfiles, secrets and large JSON are not; a malformed notebook is skipped without failing the crawl")
    func configurationAndNotebooks() async throws {
        let repo = try Repository()
        defer { try? FileManager.default.removeItem(atPath: repo.path) }
        try repo.write("config/server.yaml", "server:\n  port: 8443\n")
        try repo.write("pyproject.toml", "[tool.train]\nlearning_rate = 3e-4\n")
        try repo.write("package.json", "{\"name\": \"relay\", \"scripts\": {\"start\": \"node relay.js\"}}\n")
        try repo.write("setup.cfg", "[metadata]\nname = relay\n")
        try repo.write(".env.example", "MODEL_ID=bert-base-uncased\n")
        try repo.write("Dockerfile", "FROM python:3.12\nEXPOSE 8443\n")
        try repo.write("Makefile", "run:\n\tpython -m relay\n")
        try repo.write("requirements.txt", "torch==2.3.0\n")
        try repo.write("data/dump.json", "[" + String(repeating: "1,", count: 140_000) + "1]\n")
        try repo.write(".env", "API_KEY=sk-live-do-not-capture\n")
        try repo.write(".env.production", "API_KEY=sk-live-do-not-capture\n")
        try repo.write("credentials.json", "{\"token\": \"sk-live-do-not-capture\"}\n")
        try repo.write("secrets.yaml", "token: sk-live-do-not-capture\n")
        try repo.write("server.pem", "-----BEGIN PRIVATE KEY-----\n")
        try repo.write("poetry.lock", "[[package]]\nname = \"torch\"\n")
        try repo.write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n")
        try repo.write("notebooks/train.ipynb", #"""
            {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Fine-tuning\n", "Batch size 32."]},
                       {"cell_type": "code", "execution_count": 7, "metadata": {}, "source": "trainer.train(epochs=3)",
                        "outputs": [{"output_type": "stream", "name": "stdout", "text": "OUTPUT_ONLY_MARKER loss=0.12"}]}],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
            """#)
        try repo.write("notebooks/broken.ipynb", #"{"cells": [{"cell_type": "code", "source": "x = 1""#)
        try repo.write("notebooks/old.ipynb", #"{"nbformat": 3, "worksheets": [{"cells": []}]}"#)
        let commit = try repo.commit("configuration")

        let services = try await CrawlServices.start("config")
        let options = CrawlServices.testOptions(cache: repo.path + "-cache")
        let crawl = await services.crawl([CrawlTarget(location: repo.path)], options: options)
        #expect(crawl.failures.isEmpty, "\(crawl.failures)")
        let events = try EmittedEvents(try await services.emittedSoFar())
        let languages = [
            "config/server.yaml": "yaml", "pyproject.toml": "toml", "package.json": "json", "setup.cfg": "ini", ".env.example": "env",
            "Dockerfile": "dockerfile", "Makefile": "makefile", "requirements.txt": "requirements", "notebooks/train.ipynb": "notebook",
        ]
        #expect(Set(events.captured.map(\.documentId)) == Set(languages.keys.map(repo.id)))
        for (path, language) in languages {
            #expect(events.captured(repo.id(path))?.metadata == ["repository": "file://" + repo.path, "commit": commit, "path": path,
                                                                  "language": language], "\(path)")
        }
        #expect(!events.captured.contains { $0.content.contains("sk-live-do-not-capture") })
        #expect(events.captured(repo.id("config/server.yaml"))?.content == "server:\n  port: 8443")
        #expect(events.captured(repo.id("notebooks/train.ipynb"))?.content
                == "# %% [markdown]\n# Fine-tuning\nBatch size 32.\n\n# %% [code]\ntrainer.train(epochs=3)")
        // The two malformed notebooks were read and skipped like a binary file: counted, not failed.
        #expect(crawl.stats.fetched == languages.count + 2)
        #expect(crawl.stats.failed == 0)
        #expect(crawl.stats.captured == languages.count)
        await services.close()
    }

    @Test("a re-crawl at the same commit emits only the newly kept config files; dropping them again removes them")
    func newlyKeptAtSameCommit() async throws {
        let repo = try Repository()
        defer { try? FileManager.default.removeItem(atPath: repo.path) }
        try repo.write("README.md", "# Relay\n")
        try repo.write("src/relay.py", "PORT = 8443\n")
        try repo.write("Dockerfile", "FROM python:3.12\n")
        try repo.write("config/model.yaml", "model: bert-base-uncased\n")
        try repo.write(".github/workflows/ci.yml", "on: push\n")
        try repo.write("pyproject.toml", "[project]\nname = \"relay\"\n")
        let head = try repo.commit("first")
        let target = CrawlTarget(location: repo.path)
        let services = try await CrawlServices.start("newkept")

        // Options as they were before configuration files were kept.
        var old = CrawlServices.testOptions(cache: repo.path + "-cache")
        for extensionName in ["yaml", "yml", "toml"] { old.repository.languages[extensionName] = nil }
        let crawl1 = await services.crawl([target], options: old)
        #expect(crawl1.failures.isEmpty, "\(crawl1.failures)")
        #expect(crawl1.stats.captured == 3)
        let before = try await services.emittedSoFar()
        #expect(Set(try EmittedEvents(before).captured.map(\.documentId)) == Set(["README.md", "src/relay.py", "Dockerfile"].map(repo.id)))

        let new = CrawlServices.testOptions(cache: repo.path + "-cache")
        let crawl2 = await services.crawl([target], options: new)
        #expect(crawl2.failures.isEmpty, "\(crawl2.failures)")
        let added = try EmittedEvents(Array(try await services.emittedSoFar().dropFirst(before.count)))
        #expect(added.captured.map(\.documentId).sorted() == ["config/model.yaml", ".github/workflows/ci.yml", "pyproject.toml"].map(repo.id).sorted())
        #expect(added.captured.allSatisfy { $0.metadata["commit"] == head })
        #expect(added.removed.isEmpty)
        #expect(crawl2.stats.fetched == 3)
        #expect(crawl2.stats.unchanged == 3)

        // Everything is known and nothing changed: nothing is read, nothing emitted.
        let crawl3 = await services.crawl([target], options: new)
        #expect(crawl3.stats.emitted == 0)
        #expect(crawl3.stats.fetched == 0)
        #expect(crawl3.stats.unchanged == 6)

        // Back to the old options at the same commit: the files that stopped qualifying are removed.
        let crawl4 = await services.crawl([target], options: old)
        #expect(crawl4.stats.removed == 3)
        #expect(crawl4.stats.captured == 0)
        #expect(crawl4.stats.fetched == 0)
        let all = try await services.emittedSoFar()
        #expect(all.count == before.count + 6)
        #expect(try EmittedEvents(Array(all.suffix(3))).removed.map(\.documentId).sorted()
                == ["config/model.yaml", ".github/workflows/ci.yml", "pyproject.toml"].map(repo.id).sorted())
        await services.close()
    }

    @Test("a repository over http is cloned into the cache with git pinned to the checked address, then fetched on a re-crawl")
    func remoteRepository() async throws {
        let repo = try Repository()
        let served = temporaryPath("served")
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
        let folder = temporaryPath("plain")
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
