import Foundation
import Logging
import TwinlogEvents
import TwinlogHTML
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogText

/// Counters of a crawl, reported as it goes and at the end.
public struct CrawlStats: Sendable, Equatable {
    /// Pages fetched and files read.
    public var fetched = 0
    /// DocumentCaptured events sent.
    public var captured = 0
    /// DocumentRemoved events sent.
    public var removed = 0
    /// Documents whose content hash matched the last capture, 304 answers, untouched files.
    public var unchanged = 0
    /// Sources and items that failed.
    public var failed = 0

    public init() {}

    /// Events sent.
    public var emitted: Int { captured + removed }
}

/// The outcome of a crawl.
public struct CrawlReport: Sendable {
    public var stats: CrawlStats
    /// Every failure, each naming its URL and what was wrong, in the order they happened.
    public var failures: [CrawlError]
    public var seconds: Double
}

/// Runs crawls: dispatches each target to its platform's crawler (several at a time), compares
/// what was found with crawl state, emits DocumentCaptured for new or changed content and
/// DocumentRemoved for documents gone from their source to `twin.documents`, waits for the
/// broker's acknowledgement, then records the new state. One failing source never stops the
/// others; an unchanged source emits nothing.
public final class CrawlEngine: Sendable {
    private let producer: KafkaProducer
    private let topics: TopicCatalogue
    private let state: CrawlStateStore
    private let fetcher: HTTPFetcher
    private let options: CrawlOptions
    private let logger: Logger

    public init(producer: KafkaProducer, topics: TopicCatalogue, state: CrawlStateStore, options: CrawlOptions = CrawlOptions(),
                logger: Logger = Logger(label: "twinlog.crawl")) {
        self.producer = producer
        self.topics = topics
        self.state = state
        self.options = options
        self.logger = logger
        fetcher = HTTPFetcher(options: options.fetch)
    }

    /// Releases the HTTP client; the producer and the state store belong to the caller.
    public func shutdown() async {
        await fetcher.shutdown()
    }

    /// Crawls `targets`; `progress` is called after every source with the running totals.
    public func crawl(_ targets: [CrawlTarget], progress: @escaping @Sendable (CrawlStats) -> Void = { _ in }) async -> CrawlReport {
        let started = ContinuousClock.now
        var stats = CrawlStats()
        var failures: [CrawlError] = []
        let context = CrawlContext(fetcher: fetcher, state: state, options: options, cleaner: TextCleaner(masking: options.masking), now: Date(),
                                   logger: logger)
        await withTaskGroup(of: (CrawlStats, [CrawlError]).self) { group in
            var pending = targets[...]
            func startNext() {
                guard let target = pending.popFirst() else { return }
                group.addTask { await self.crawlOne(target, context: context) }
            }
            for _ in 0..<max(1, options.concurrency) { startNext() }
            while let (one, oneFailures) = await group.next() {
                stats.fetched += one.fetched
                stats.captured += one.captured
                stats.removed += one.removed
                stats.unchanged += one.unchanged
                stats.failed += one.failed
                failures += oneFailures
                progress(stats)
                startNext()
            }
        }
        let elapsed = ContinuousClock.now - started
        return CrawlReport(stats: stats, failures: failures, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// One source: crawl, compare, emit, record.
    private func crawlOne(_ target: CrawlTarget, context: CrawlContext) async -> (CrawlStats, [CrawlError]) {
        var stats = CrawlStats()
        let harvest: Harvest
        do {
            harvest = try await crawler(for: target.platform).crawl(target, context: context)
        } catch {
            logger.warning("crawl failed", metadata: ["error": "\(error)"])
            stats.failed = 1
            return (stats, [error])
        }
        stats.fetched = harvest.fetched
        stats.unchanged = harvest.notModified
        stats.failed = harvest.failures.count
        do {
            let emitted = try await emit(harvest)
            stats.captured = emitted.captured
            stats.removed = emitted.removed
            stats.unchanged += emitted.unchanged
            return (stats, harvest.failures)
        } catch {
            stats.failed += 1
            let failure = CrawlError(url: target.location, .emit("\(error)"))
            logger.error("emitting failed", metadata: ["error": "\(failure)"])
            return (stats, harvest.failures + [failure])
        }
    }

    private func crawler(for platform: Platform) -> any Crawler {
        switch platform {
        case .github: GitHubCrawler()
        case .medium: MediumCrawler()
        case .linkedin: LinkedInCrawler()
        case .article: ArticleCrawler()
        }
    }

    /// Sends the events of `harvest` that change something and records the new state once the
    /// broker acknowledged them.
    private func emit(_ harvest: Harvest) async throws -> (captured: Int, removed: Int, unchanged: Int) {
        var latest: [String: DocumentCaptured] = [:]
        for document in harvest.documents { latest[document.documentId] = document }
        let removing = Set(harvest.removals.map(\.documentId)).subtracting(latest.keys)
        let known = try await state.known(Array(latest.keys) + Array(removing))
        let changed = latest.values.filter { known[$0.documentId]?.contentHash != $0.contentHash }.sorted { $0.documentId < $1.documentId }
        let removals = harvest.removals.filter { removing.contains($0.documentId) && known[$0.documentId] != nil }
        var records: [OutgoingRecord] = []
        for document in changed {
            records.append(try EventCodec.record(document, topic: topics.documents, source: "twinlog/crawler/\(document.platform.rawValue)",
                                                 id: "capture-" + EventIDs.sha256Hex(document.documentId + "\n" + document.contentHash).prefix(32),
                                                 time: document.capturedAt))
        }
        let now = Date()
        for removal in removals {
            guard let previous = known[removal.documentId] else { continue }
            let event = DocumentRemoved(documentId: removal.documentId, authorId: previous.authorId, reason: removal.reason, removedAt: now)
            records.append(try EventCodec.record(event, topic: topics.documents, source: "twinlog/crawler",
                                                 id: "remove-" + EventIDs.sha256Hex(removal.documentId + "\n" + previous.contentHash).prefix(32),
                                                 time: now))
        }
        if !records.isEmpty { try await producer.send(records) }
        var update = CrawlStateStore.Update()
        for document in changed { update.captured[document.documentId] = (harvest.source, document.authorId, document.contentHash) }
        update.removed = Set(removals.map(\.documentId))
        update.validators = harvest.validators
        update.repositoryCommit = harvest.repositoryCommit
        try await state.record(update)
        return (changed.count, removals.count, latest.count - changed.count)
    }
}
