import ArgumentParser
import Crawlers
import Foundation
import Synchronization
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEvents
import TwinlogHTML
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogText

/// `twinlog crawl URL… | --sources FILE`: capture documents into `twin.documents`, showing
/// progress, then a summary; exits 1 when any source failed (the others are still crawled).
struct CrawlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crawl",
        abstract: "Crawl GitHub repositories, Medium, LinkedIn (posts, data exports) and articles into twin.documents.",
        discussion: """
            Each location is a URL or a local path (a git repository or a LinkedIn export folder). The crawler is chosen
            from the location unless --platform says otherwise. Unchanged documents emit nothing; the crawl state lives in
            the warehouse database. Exit code 0: everything crawled; 1: some sources failed (listed in the summary).
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "URLs or local paths to crawl.")
    var locations: [String] = []
    @Option(help: "A YAML or JSON sources file (authors: [{name, sources: [url | {url, platform}]}]).")
    var sources: String?
    @Option(help: "The author of every crawled document (default: from the sources file or the source itself).")
    var author: String?
    @Option(help: "Force the crawler: github, medium, linkedin or article.")
    var platform: Platform?
    @Option(help: "What to mask in captured text: a list of emails, phones, urls; or all, or none.")
    var mask = "all"
    @Option(name: .customLong("concurrency"), help: "Sources crawled at the same time.")
    var concurrency = 8
    @Option(name: .customLong("per-host-delay"), help: "Seconds between requests to one host (at most 3600).",
            transform: SecondsFlag.within(0...3_600, allowZero: true))
    var perHostDelay: Duration = .seconds(1)
    @Option(name: .customLong("max-body-bytes"), help: "Largest response body read.")
    var maxBodyBytes = 5 << 20
    @Option(name: .customLong("repository-cache"), help: "Where https repositories are cloned.")
    var repositoryCache = ".twinlog/crawl/repositories"
    @Option(name: .customLong("max-repository-bytes"), help: "Largest repository clone on disk; a bigger one fails and is removed.")
    var maxRepositoryBytes = 1 << 30
    @Option(name: .customLong("git-timeout"), help: "Seconds a git clone or fetch may take before it is stopped (at most 86400).",
            transform: SecondsFlag.within(0...86_400))
    var gitTimeout: Duration = .seconds(600)
    @Flag(name: .customLong("allow-private-addresses"), help: "Allow private, loopback and link-local addresses (an intranet crawl).")
    var allowPrivateAddresses = false

    func validate() throws {
        if locations.isEmpty && sources == nil { throw ValidationError("give URLs or paths to crawl, or --sources FILE") }
        if TextCleaner.Masking(list: mask) == nil { throw ValidationError("--mask takes emails, phones, urls (comma-separated), all or none") }
        if concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if maxRepositoryBytes < 1 { throw ValidationError("--max-repository-bytes must be at least 1") }
    }

    func run() async throws {
        let config = try global.load()
        var targets = locations.map { CrawlTarget(location: $0, platform: platform, authorName: author) }
        if let sources { targets += try SourcesFile.load(sources, author: author).map { target in
            var target = target
            if let platform { target.platform = platform }
            return target
        } }

        var options = CrawlOptions()
        options.masking = TextCleaner.Masking(list: mask) ?? .all
        options.concurrency = concurrency
        options.fetch.perHostDelay = perHostDelay
        options.fetch.maxBodyBytes = maxBodyBytes
        options.fetch.addressPolicy = AddressPolicy(allowLoopback: allowPrivateAddresses, allowPrivate: allowPrivateAddresses)
        options.repository.cacheDirectory = repositoryCache
        options.repository.maxRepositoryBytes = maxRepositoryBytes
        options.repository.gitTimeout = gitTimeout

        let db = try await PostgresConnection.connect(config.database)
        try await CrawlStateStore.prepare(db, schema: config.databaseSchema)
        let admin = try KafkaAdmin(configuration: config.kafka)
        try await admin.createTopics(config.topics.specs.filter { $0.name == config.topics.documents })
        await admin.close()
        let producer = try KafkaProducer(configuration: config.kafka)
        let engine = CrawlEngine(producer: producer, topics: config.topics, state: CrawlStateStore(db: db), options: options)

        let progress = ProgressLine(total: targets.count)
        let report = await engine.crawl(targets) { progress.show($0) }
        progress.finish()
        await engine.shutdown()
        await producer.shutdown()
        await db.close()

        let stats = report.stats
        print(String(format: "crawled %d sources in %.1f s: %d fetched, %d events emitted (%d captured, %d removed), %d unchanged, %d failed",
                     targets.count, report.seconds, stats.fetched, stats.emitted, stats.captured, stats.removed, stats.unchanged, stats.failed))
        for failure in report.failures { print("  failed: \(failure)") }
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}

extension Platform: ExpressibleByArgument {}

/// The running totals on one line of stderr, redrawn in place on a terminal and printed every
/// few sources otherwise (logs stay readable).
final class ProgressLine: Sendable {
    private let total: Int
    private let terminal = isatty(STDERR_FILENO) == 1
    private let done = Atomic<Int>(0)

    init(total: Int) { self.total = total }

    func show(_ stats: CrawlStats) {
        let count = done.add(1, ordering: .relaxed).newValue
        guard terminal || count == total || count % 25 == 0 else { return }
        let line = "\(count)/\(total) sources · \(stats.fetched) fetched · \(stats.emitted) emitted · \(stats.unchanged) unchanged · \(stats.failed) failed"
        FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[K" : "") + line + (terminal ? "" : "\n")).utf8))
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
