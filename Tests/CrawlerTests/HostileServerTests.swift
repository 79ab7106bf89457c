import Foundation
import Logging
import Synchronization
import Testing
import TwinlogEvents
import TwinlogRuntime
@testable import Crawlers
import TwinlogTestSupport

/// Servers that try to get past the DNS pin or hold a crawl hostage: a mixed-case host name, a
/// body dripped a byte at a time, a git remote that never finishes or crawls along, and a
/// repository larger than the cache may hold. Every server is real (loopback); every limit ends
/// the fetch with an error that names it.
@Suite("Hostile servers", .timeLimit(.minutes(2)))
struct HostileServerTests {
    /// Hosts an address check was asked about.
    final class Asked: Sendable {
        private let hosts = Mutex<[String]>([])
        func record(_ host: String) { hosts.withLock { $0.append(host) } }
        var all: [String] { hosts.withLock { $0 } }
    }

    /// `body`'s result with `fetcher`, which is shut down whatever happens (a client dropped
    /// without a shutdown traps, and a trap ends the whole test run).
    static func using<T>(_ fetcher: HTTPFetcher, _ body: (HTTPFetcher) async throws -> T) async throws -> T {
        do {
            let result = try await body(fetcher)
            await fetcher.shutdown()
            return result
        } catch {
            await fetcher.shutdown()
            throw error
        }
    }

    /// `count` bytes that zlib cannot shrink (xorshift), so a repository holding them is that large.
    static func incompressible(_ count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    @Test("addresses: IPv4-translated (SIIT), local-use NAT64, Teredo, site-local and 6to4 relay anycast are refused; their neighbours are judged as before")
    func moreNonPublicRanges() throws {
        func classify(_ host: String) throws -> AddressPolicy.AddressClass {
            let addresses = try AddressPolicy.resolve(host)
            return AddressPolicy.classify(try #require(addresses.first))
        }
        // ::ffff:0:0:0/96 refuses even a public IPv4 address; the mapped neighbour ::ffff:0:0/96 judges the one it embeds.
        #expect(try classify("::ffff:0:8.8.8.8") == .nonPublic("IPv4-translated (SIIT)"))
        #expect(try classify("::ffff:8.8.8.8") == .publicAddress)
        #expect(try classify("::ffff:1:808:808") == .nonPublic("reserved"))
        #expect(try classify("64:ff9b:1::8.8.8.8") == .nonPublic("local-use NAT64"))
        #expect(try classify("64:ff9b:1:ffff:ffff:ffff:ffff:ffff") == .nonPublic("local-use NAT64"))
        #expect(try classify("64:ff9b::8.8.8.8") == .publicAddress)
        #expect(try classify("64:ff9b:2::1") == .nonPublic("reserved"))
        #expect(try classify("2001:0:4136:e378:8000:63bf:3fff:fdd2") == .nonPublic("Teredo"))
        #expect(try classify("2001:0:ffff:ffff:ffff:ffff:ffff:ffff") == .nonPublic("Teredo"))
        #expect(try classify("2001:1::1") == .publicAddress)
        #expect(try classify("fec0::1") == .nonPublic("site-local"))
        #expect(try classify("feff:ffff::1") == .nonPublic("site-local"))
        #expect(try classify("febf:ffff::1") == .nonPublic("link-local"))
        #expect(try classify("ff00::1") == .nonPublic("multicast"))
        #expect(try classify("192.88.99.1") == .nonPublic("6to4 relay anycast"))
        #expect(try classify("2002:c058:6301::1") == .nonPublic("6to4 relay anycast"))
        #expect(try classify("192.88.98.255") == .publicAddress)
        #expect(try classify("192.88.100.0") == .publicAddress)
        // Outside 2000::/3 nothing is global unicast.
        #expect(try classify("4000::1") == .nonPublic("reserved"))
        #expect(try classify("1fff:ffff::1") == .nonPublic("reserved"))
        #expect(try classify("2606:4700::1111") == .publicAddress)
    }

    @Test("a mixed-case host goes out under the pin of its lowercased name: the name is reachable only through the pin")
    func mixedCaseHostIsPinned() async throws {
        let server = try await FixtureServer.start(["/page": { _, _ in .html("reached through the pin") }])
        var options = FetchOptions()
        options.perHostDelay = .zero
        options.backoffBase = .milliseconds(10)
        let asked = Asked()
        // `.invalid` never resolves (RFC 6761): only the pin, 127.0.0.1, can take a request there.
        let fetcher = HTTPFetcher(options: options, logger: Logger(label: "test")) { host, _ async throws(CrawlError) -> String in
            asked.record(host)
            return "127.0.0.1"
        }
        let outcome = try await Self.using(fetcher) { try await $0.fetch("http://Twinlog-Pinned.INVALID:\(server.port)/page") }
        await server.stop()
        guard case .fetched(let page) = outcome else {
            Issue.record("expected a page, got \(outcome)")
            return
        }
        #expect(page.body == Array("reached through the pin".utf8))
        // robots.txt and the page share the one check and the one pinned client.
        #expect(asked.all == ["twinlog-pinned.invalid"])
        #expect(server.requests("/page").count == 1)
    }

    @Test("the URL sent has a lowercase scheme and host, and the pin key is its host as the HTTP client reads it")
    func requestURLsAreNormalized() throws {
        let fetcher = HTTPFetcher()
        let mixed = try fetcher.parse("HTTP://Docs.Example.COM:8080/A/b?Q=1#Frag", original: "x")
        #expect(mixed.url == "http://docs.example.com:8080/A/b?Q=1")
        #expect(mixed.host == "docs.example.com")
        #expect(mixed.origin == "http://docs.example.com:8080")
        let literal = try fetcher.parse("http://[::FFFF:7F00:1]/x", original: "x")
        #expect(literal.url == "http://[::ffff:7f00:1]/x")
        #expect(literal.host == "::ffff:7f00:1")
        #expect(literal.origin == "http://[::ffff:7f00:1]")
        // Whatever form the host takes, the key is the name the client will look up in the pin.
        for url in ["http://Docs.Example.COM/", "http://[::FFFF:7F00:1]/x", "http://%41bc.example/x", "http://b\u{FC}cher.example/x"] {
            let target = try fetcher.parse(url, original: url)
            let read = try #require(URL(string: target.url)?.host)
            #expect(target.host == read.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), "\(url)")
        }
    }

    @Test("a body dripped a byte at a time fails the URL at the response deadline, naming the limit, and the connection is closed")
    func drippingBody() async throws {
        let server = try await FixtureServer.start(["/drip": { _, _ in .init(drip: .milliseconds(200)) }])
        var options = FetchOptions()
        options.addressPolicy = AddressPolicy(allowLoopback: true)
        options.perHostDelay = .zero
        options.obeyRobots = false
        options.responseTimeout = .seconds(1)
        let url = server.origin + "/drip"
        await #expect(throws: CrawlError(url: url, .network("the response (head and body) took longer than the 1 s limit"))) {
            try await Self.using(HTTPFetcher(options: options)) { try await $0.fetch(url) }
        }
        #expect(server.requests("/drip").count == 1)
        #expect(await eventually(timeout: .seconds(30)) { server.dripsEnded("/drip") == 1 })
        await server.stop()
    }

    @Test("a clone from a server that never finishes is stopped by the kill timer, git's helpers included, and leaves no folder")
    func cloneKillTimer() async throws {
        let server = try await FixtureServer.start(["/hang/info/refs": { _, _ in .init(drip: .milliseconds(200)) }])
        let folder = temporaryPath("hang.git")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var options = RepositoryOptions()
        options.gitTimeout = .seconds(1)
        let repository = server.origin + "/hang"
        await #expect(throws: CrawlError(url: repository, .git("`git clone --bare --quiet` did not finish within the 1 s limit and was stopped"))) {
            try await Git.clone(repository, into: folder, config: [], options: options)
        }
        #expect(!FileManager.default.fileExists(atPath: folder))
        // git's remote helper held the connection: it closes only when the whole process group is gone.
        #expect(await eventually(timeout: .seconds(30)) { server.dripsEnded("/hang/info/refs") == 1 })
        await server.stop()
    }

    @Test("git aborts a transfer slower than the low-speed limit, and the error quotes git")
    func cloneLowSpeed() async throws {
        let server = try await FixtureServer.start(["/slow/info/refs": { _, _ in .init(drip: .milliseconds(200)) }])
        let folder = temporaryPath("slow.git")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var options = RepositoryOptions()
        options.lowSpeedLimit = 1000
        options.lowSpeedTime = .seconds(1)
        let repository = server.origin + "/slow"
        let error = await #expect(throws: CrawlError.self) {
            try await Git.clone(repository, into: folder, config: [], options: options)
        }
        let failure = try #require(error)
        #expect(failure.url == repository)
        #expect(failure.description.hasPrefix("\(repository): git: `git clone --bare --quiet` exited with status 128: "), "\(failure)")
        #expect(failure.description.contains("Operation too slow"), "\(failure)")
        #expect(!FileManager.default.fileExists(atPath: folder))
        await server.stop()
    }

    @Test("a repository over the size cap is refused on clone and on fetch, naming the cap, and is not kept in the cache")
    func repositorySizeCap() async throws {
        let repo = try RepositoryCrawlTests.Repository()
        let served = temporaryPath("served")
        let cache = repo.path + "-cache"
        defer {
            for folder in [repo.path, served, cache] { try? FileManager.default.removeItem(atPath: folder) }
        }
        try repo.write("README.md", "# Small\n")
        _ = try repo.commit("small")
        let bare = served + "/notes"
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        #expect(try ChildProcess.run(["git", "clone", "-q", "--bare", repo.path, bare]) == 0)
        #expect(try ChildProcess.run(["git", "-C", bare, "update-server-info"]) == 0)
        let server = try await FixtureServer.start([:], files: served)
        let services = try await CrawlServices.start("sizecap")
        var options = CrawlServices.testOptions(cache: cache)
        options.repository.maxRepositoryBytes = 100 << 10
        let location = "http://localhost:\(server.port)/notes.git"
        let repository = "http://localhost:\(server.port)/notes"
        func cached() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? [] }

        let small = await services.crawl([CrawlTarget(location: location)], options: options)
        #expect(small.failures.isEmpty, "\(small.failures)")
        #expect(cached().count == 1)

        // 200 KB that does not compress: the fetch takes the cached repository past 100 KB.
        try repo.write("data/blob.txt", Self.incompressible(200 << 10))
        _ = try repo.commit("large")
        #expect(try ChildProcess.run(["git", "-C", repo.path, "push", "-q", bare, "main"]) == 0)
        #expect(try ChildProcess.run(["git", "-C", bare, "update-server-info"]) == 0)
        let fetched = await services.crawl([CrawlTarget(location: location)], options: options)
        #expect(fetched.failures.map(\.description)
                == ["\(repository): git: `git fetch --quiet --prune`: the repository exceeds the 102400-byte size cap"])
        #expect(cached().isEmpty)

        // With the cache gone the next crawl clones, and the clone meets the same cap.
        let cloned = await services.crawl([CrawlTarget(location: location)], options: options)
        #expect(cloned.failures.map(\.description)
                == ["\(repository): git: `git clone --bare --quiet`: the repository exceeds the 102400-byte size cap"])
        #expect(cached().isEmpty)
        await services.close()
        await server.stop()
    }
}
