import Foundation
import Testing
import TwinlogEvents
import TwinlogRuntime
@testable import Crawlers
import TwinlogTestSupport

/// The crawler's rules that need no network: robots.txt, the address policy, dispatch, sources
/// files, charsets, feeds and repository file selection.
@Suite("Crawl rules")
struct CrawlRulesTests {
    @Test("robots.txt: our group over *, longest match wins, Allow wins a tie, * and $ patterns, Crawl-delay")
    func robots() {
        let text = """
            User-agent: *
            Disallow: /

            # our group
            User-agent: twinlogbot
            User-agent: otherbot
            Disallow: /private/
            Allow: /private/public-note
            Disallow: /*.pdf$
            Disallow: /tmp
            Allow: /tmp
            Crawl-delay: 2.5
            """
        let rules = RobotsRules(parsing: text, agent: "TwinlogBot")
        #expect(rules.allows("/blog/post"))
        #expect(!rules.allows("/private/secret"))
        #expect(rules.allows("/private/public-note.html"))
        #expect(!rules.allows("/files/report.pdf"))
        #expect(rules.allows("/files/report.pdf?download=1"))
        #expect(rules.allows("/tmp/x"))
        #expect(rules.crawlDelay == 2.5)
        let others = RobotsRules(parsing: text, agent: "SomeoneElse")
        #expect(!others.allows("/blog/post"))
        #expect(RobotsRules(parsing: "User-agent: *\nDisallow:\n", agent: "TwinlogBot").allows("/anything"))
        #expect(RobotsRules.disallowAll.allows("/") == false)
    }

    @Test("a Crawl-delay or Retry-After of inf, nan or 1e300 never traps: non-numbers are ignored, huge values are clamped")
    func hostileDelays() {
        for value in ["nan", "inf", "-inf", "-3", "soon"] {
            #expect(RobotsRules(parsing: "User-agent: *\nCrawl-delay: \(value)\n", agent: "TwinlogBot").crawlDelay == nil, "\(value)")
        }
        let huge = RobotsRules(parsing: "User-agent: *\nCrawl-delay: 1e300\n", agent: "TwinlogBot").crawlDelay
        #expect(huge.flatMap { Duration.seconds(clamping: $0, to: .seconds(30)) } == .seconds(30))
        for value in ["inf", "nan", "-5", "-inf"] {
            #expect(HTTPFetcher.retryAfter(value) == nil, "\(value)")
        }
        #expect(HTTPFetcher.retryAfter("1e300") == .seconds(86_400))
        #expect(HTTPFetcher.retryAfter("9.3e15") == .seconds(86_400))
        #expect(HTTPFetcher.retryAfter("120") == .seconds(120))
        #expect(HTTPFetcher.retryAfter("0.25") == .milliseconds(250))
    }

    @Test("addresses: loopback, private, link-local, CGNAT, mapped and NAT64 forms are not public")
    func addressClasses() throws {
        func classify(_ host: String) throws -> AddressPolicy.AddressClass {
            let addresses = try AddressPolicy.resolve(host)
            #expect(addresses.count >= 1)
            return AddressPolicy.classify(addresses[0])
        }
        #expect(try classify("127.0.0.1") == .loopback)
        #expect(try classify("127.1") == .loopback)
        #expect(try classify("2130706433") == .loopback)
        #expect(try classify("::1") == .loopback)
        #expect(try classify("::ffff:127.0.0.1") == .loopback)
        #expect(try classify("10.1.2.3") == .nonPublic("private (RFC 1918)"))
        #expect(try classify("172.20.0.1") == .nonPublic("private (RFC 1918)"))
        #expect(try classify("192.168.1.10") == .nonPublic("private (RFC 1918)"))
        #expect(try classify("169.254.169.254") == .nonPublic("link-local"))
        #expect(try classify("100.64.0.1") == .nonPublic("shared (CGNAT)"))
        #expect(try classify("0.0.0.0") == .nonPublic("\"this network\""))
        #expect(try classify("fe80::1") == .nonPublic("link-local"))
        #expect(try classify("fd00::1") == .nonPublic("unique-local (private)"))
        #expect(try classify("64:ff9b::10.0.0.1") == .nonPublic("private (RFC 1918)"))
        #expect(try classify("93.184.216.34") == .publicAddress)
        #expect(try classify("2606:4700::1111") == .publicAddress)
    }

    @Test("a host that resolves to loopback is refused unless loopback is allowed")
    func localhostRefused() async throws {
        await #expect(throws: CrawlError(url: "http://localhost/x", .addressRefused("localhost resolves to the loopback address 127.0.0.1"))) {
            try await AddressPolicy.publicOnly.check(host: "localhost", url: "http://localhost/x")
        }
        try await AddressPolicy(allowLoopback: true).check(host: "localhost", url: "http://localhost/x")
    }

    @Test("the dispatcher picks the crawler from the location")
    func dispatch() throws {
        #expect(Dispatcher.platform(for: "https://github.com/apple/swift-nio") == .github)
        #expect(Dispatcher.platform(for: "https://github.com/apple/swift-nio/tree/main/Sources") == .github)
        #expect(Dispatcher.platform(for: "https://github.com/features") == .article)
        #expect(Dispatcher.platform(for: "https://git.example.org/team/tool.git") == .github)
        #expect(Dispatcher.platform(for: "https://medium.com/@jane") == .medium)
        #expect(Dispatcher.platform(for: "https://jane.medium.com/some-post-1a2b3c4d5e6f") == .medium)
        #expect(Dispatcher.platform(for: "https://www.linkedin.com/posts/jane_activity-1") == .linkedin)
        #expect(Dispatcher.platform(for: "https://blog.example.com/post") == .article)
        #expect(Dispatcher.platform(for: Fixtures.url("linkedin-export").path) == .linkedin)
        #expect(Dispatcher.platform(for: "/tmp") == .github)
        #expect(CrawlTarget(location: "https://blog.example.com/post", platform: .medium).platform == .medium)
    }

    @Test("a sources file in YAML or JSON lists authors and their URLs; relative paths resolve against it")
    func sourcesFiles() throws {
        let folder = temporaryPath("sources")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let yaml = """
            authors:
              - name: Jane Doe
                sources:
                  - https://medium.com/@jane
                  - url: exports/linkedin
                    platform: linkedin
              - name: Bob
                sources: [https://blog.example.com/post]
            """
        try yaml.write(toFile: folder + "/sources.yaml", atomically: true, encoding: .utf8)
        let json = #"{"authors": [{"name": "Jane Doe", "sources": ["https://github.com/jane/notes"]}]}"#
        try json.write(toFile: folder + "/sources.json", atomically: true, encoding: .utf8)
        #expect(try SourcesFile.load(folder + "/sources.yaml") == [
            CrawlTarget(location: "https://medium.com/@jane", authorName: "Jane Doe"),
            CrawlTarget(location: folder + "/exports/linkedin", platform: .linkedin, authorName: "Jane Doe"),
            CrawlTarget(location: "https://blog.example.com/post", authorName: "Bob"),
        ])
        #expect(try SourcesFile.load(folder + "/sources.json", author: "J. D.") == [
            CrawlTarget(location: "https://github.com/jane/notes", platform: .github, authorName: "J. D."),
        ])
        try "authors: 3".write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        #expect(throws: CrawlError.self) { try SourcesFile.load(folder + "/bad.yaml") }
    }

    @Test("charsets: invalid UTF-8 becomes U+FFFD, a declared charset is passed to the parser")
    func charsets() {
        let invalid: [UInt8] = Array("<p>ol".utf8) + [0xE9, 0xFF] + Array(" ok</p>".utf8)
        let decoded = Charset.decode(invalid, contentType: "text/html; charset=UTF-8")
        #expect(decoded.repaired)
        #expect(decoded.encoding == "utf-8")
        #expect(String(decoding: decoded.bytes, as: UTF8.self) == "<p>ol\u{FFFD}\u{FFFD} ok</p>")
        #expect(Charset.decode(Array("<meta charset=\"windows-1252\"><p>x</p>".utf8), contentType: "text/html").encoding == "windows-1252")
        #expect(Charset.decode([0xEF, 0xBB, 0xBF] + Array("hi".utf8), contentType: nil).bytes == Array("hi".utf8))
        #expect(Charset.parameter("text/html; Charset=\"ISO-8859-1\"") == "ISO-8859-1")
    }

    @Test("RSS and Atom feeds give their entries")
    func feeds() throws {
        let items = try FeedItem.parse(try Fixtures.bytes("medium-feed.xml"))
        #expect(items.count == 2)
        #expect(items[0].title == "Kafka keys decide your ordering")
        #expect(items[0].guid == "https://medium.com/p/1a2b3c4d5e6f")
        #expect(items[0].categories == ["kafka", "distributed-systems"])
        #expect(items[0].creator == "Jane Doe")
        #expect(items[0].html.hasPrefix("<h3>Kafka keys decide your ordering</h3>"))
        let atom = """
            <feed xmlns="http://www.w3.org/2005/Atom"><entry><title>T</title><link rel="alternate" href="https://b.example/t"/>
            <id>tag:b,1</id><updated>2024-01-02T03:04:05Z</updated><author><name>Ann</name></author><content type="html">&lt;p&gt;Hi&lt;/p&gt;</content></entry></feed>
            """
        #expect(try FeedItem.parse(Array(atom.utf8)) == [
            FeedItem(title: "T", link: "https://b.example/t", guid: "tag:b,1", published: "2024-01-02T03:04:05Z", creator: "Ann", categories: [], html: "<p>Hi</p>"),
        ])
        #expect(throws: (any Error).self) { try FeedItem.parse(Array("<html><body>not a feed</body></html>".utf8)) }
        #expect(MediumCrawler.postURL(fromPath: "/@jane/kafka-keys-decide-your-ordering-1a2b3c4d5e6f") == "https://medium.com/p/1a2b3c4d5e6f")
        #expect(MediumCrawler.postURL(fromPath: "/@jane/about") == nil)
    }

    @Test("repository files: documentation and source by extension, outside vendored, generated and build folders")
    func repositoryFiles() {
        let options = RepositoryOptions()
        #expect(options.language(of: "README.md") == "markdown")
        #expect(options.language(of: "Sources/App/main.swift") == "swift")
        #expect(options.language(of: "Makefile") == "makefile")
        #expect(options.language(of: "vendor/github.com/x/y.go") == nil)
        #expect(options.language(of: "web/node_modules/react/index.js") == nil)
        #expect(options.language(of: "static/app.min.js") == nil)
        #expect(options.language(of: "api/service.pb.go") == nil)
        #expect(options.language(of: "logo.png") == nil)
        #expect(options.language(of: ".gitignore") == nil)
        #expect(RepositoryOptions.isText(Array("plain".utf8)))
        #expect(!RepositoryOptions.isText([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00]))
        #expect(!RepositoryOptions.isText([0x61, 0xFF, 0x62]))
    }

    @Test("repository files: every configuration kind is kept with its language")
    func configurationFiles() {
        let options = RepositoryOptions()
        let expected = [
            "config/app.yaml": "yaml", ".github/workflows/ci.yml": "yaml", "docker-compose.yml": "yaml",
            "deploy/docker-compose.prod.yaml": "yaml", "pyproject.toml": "toml", "Cargo.toml": "toml", "package.json": "json",
            "setup.cfg": "ini", "tox.ini": "ini", ".env.example": "env", "api/.env.sample": "env", ".env.template": "env",
            "env.example": "env", "example.env": "env",
            "Dockerfile": "dockerfile", "Dockerfile.dev": "dockerfile", "Dockerfile-cuda": "dockerfile",
            "images/api.dockerfile": "dockerfile",
            "Makefile": "makefile", "makefile": "makefile", "GNUmakefile": "makefile",
            "requirements.txt": "requirements", "requirements-dev.txt": "requirements", "notebooks/train.ipynb": "notebook",
        ]
        for (path, language) in expected {
            #expect(options.language(of: path) == language, "\(path)")
            #expect(options.language(of: path, size: 100) == language, "\(path)")
        }
        #expect(options.language(of: "vendor/lib/config.yaml") == nil)
        #expect(options.language(of: "node_modules/x/package.json") == nil)
    }

    @Test("repository files: lockfiles are skipped")
    func lockfiles() {
        let options = RepositoryOptions()
        for path in ["package-lock.json", "web/package-lock.json", "npm-shrinkwrap.json", "poetry.lock", "Pipfile.lock", "yarn.lock",
                     "pnpm-lock.yaml", "Cargo.lock", "go.sum", "Gemfile.lock", "requirements.lock"] {
            #expect(options.language(of: path) == nil, "\(path)")
        }
    }

    @Test("repository files: a name that looks like a secret is never kept, .env.example is")
    func secrets() {
        let secrets = [".env", "api/.env", ".env.production", ".env.local", ".ENV.Production", ".env.example.local", "server.pem",
                       "tls/server.key", "cert.p12", "cert.pfx", "release.keystore", "android.jks", "id_rsa", "id_rsa.pub",
                       "home/.ssh/id_ed25519", "id_ed25519.pub", "id_dsa", "id_ecdsa", "credentials.json", "gcp/credentials-prod.json",
                       "client_secret_1234.json", "secrets.yaml", "config/secrets.toml", "secrets.json", ".npmrc", ".pypirc", ".netrc"]
        let options = RepositoryOptions()
        for path in secrets {
            #expect(RepositoryOptions.looksLikeSecret(path), "\(path)")
            #expect(options.language(of: path) == nil, "\(path)")
        }
        // Keeping a secret by name cannot be configured: the rule comes first.
        var permissive = RepositoryOptions()
        permissive.namedFiles[".env"] = "env"
        permissive.languages["pem"] = "text"
        #expect(permissive.language(of: ".env") == nil)
        #expect(permissive.language(of: "server.pem") == nil)
        for path in [".env.example", ".env.sample", ".env.template", "config.yaml", "keys.md", "monkey.py", "keymap.json",
                     "id_card.py", "docs/secrets-management.md", "credentials.md", "environment.yml"] {
            #expect(!RepositoryOptions.looksLikeSecret(path), "\(path)")
        }
        #expect(options.language(of: ".env.example") == "env")
        #expect(options.language(of: "docs/secrets-management.md") == "markdown")
    }

    @Test("repository files: JSON over 256 KiB and notebooks over 4 MiB are skipped; other files up to maxFileBytes are kept")
    func sizeLimits() {
        var options = RepositoryOptions()
        #expect(options.language(of: "data/dump.json", size: 256 << 10) == "json")
        #expect(options.language(of: "data/dump.json", size: (256 << 10) + 1) == nil)
        #expect(options.language(of: "config.yaml", size: 300 << 10) == "yaml")
        #expect(options.language(of: "config.yaml", size: (1 << 20) + 1) == nil)
        #expect(options.language(of: "train.ipynb", size: 4 << 20) == "notebook")
        #expect(options.language(of: "train.ipynb", size: (4 << 20) + 1) == nil)
        #expect(options.language(of: "config.yaml", size: 0) == nil)
        options.maxFileBytes = 1000
        #expect(options.language(of: "package.json", size: 1001) == nil)
        #expect(options.language(of: "train.ipynb", size: 5000) == "notebook")
    }

    @Test("repository blobs are read in runs of bounded total size, in order; a larger file is a run of its own")
    func readChunks() {
        let files = [10, 20, 40, 100, 5].enumerated().map { (Git.Entry(mode: "100644", blob: "b\($0.offset)", size: $0.element, path: "f\($0.offset)"), "text") }
        let runs = GitHubCrawler.chunks(files, maxBytes: 50)
        #expect(runs.map { $0.map(\.0.size) } == [[10, 20], [40], [100], [5]])
        #expect(GitHubCrawler.chunks([], maxBytes: 50).isEmpty)
    }

    @Test("notebooks: cells in order behind percent markers, source as a string or an array, outputs and counts never included")
    func notebookText() throws {
        let notebook = #"""
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3", "display_name": "KERNEL_META_MARKER"}},
             "cells": [
              {"cell_type": "markdown", "metadata": {}, "source": ["# Training\n", "\n", "We use lr=3e-4."]},
              {"cell_type": "code", "execution_count": 42, "metadata": {"tags": ["CELL_META_MARKER"]},
               "source": "model = load(\"bert-base-uncased\")\nmodel.fit(epochs=3)",
               "outputs": [{"output_type": "stream", "name": "stdout", "text": ["OUTPUT_ONLY_MARKER 0.93\n"]},
                           {"output_type": "execute_result", "execution_count": 42, "data": {"text/plain": ["OUTPUT_ONLY_MARKER"]}, "metadata": {}}]},
              {"cell_type": "raw", "metadata": {}, "source": ["port: 8080\n"]},
              {"cell_type": "code", "execution_count": null, "metadata": {}, "source": [], "outputs": []}
             ]}
            """#
        let text = try Notebook.text(of: Array(notebook.utf8))
        #expect(text == """
            # %% [markdown]
            # Training

            We use lr=3e-4.

            # %% [code]
            model = load("bert-base-uncased")
            model.fit(epochs=3)

            # %% [raw]
            port: 8080

            # %% [code]


            """)
        for absent in ["OUTPUT_ONLY_MARKER", "0.93", "42", "CELL_META_MARKER", "KERNEL_META_MARKER", "execution_count", "outputs"] {
            #expect(!text.contains(absent), "\(absent)")
        }
    }

    @Test("notebooks: invalid JSON, no cells array, or a cell without a known type or a source is malformed")
    func malformedNotebooks() {
        let malformed = [
            "{\"cells\": [", "[]", "{\"nbformat\": 3, \"worksheets\": [{\"cells\": []}]}", "{\"cells\": {}}",
            #"{"cells": [{"cell_type": "code"}]}"#, #"{"cells": [{"cell_type": "code", "source": 3}]}"#,
            #"{"cells": [{"cell_type": "code", "source": ["a", 1]}]}"#, #"{"cells": [{"cell_type": "heading", "source": "x"}]}"#,
            #"{"cells": ["x"]}"#,
        ]
        for json in malformed {
            #expect(throws: Notebook.Malformed.self, "\(json)") { try Notebook.text(of: Array(json.utf8)) }
        }
        #expect((try? Notebook.text(of: Array(#"{"cells": []}"#.utf8))) == "")
    }
}
