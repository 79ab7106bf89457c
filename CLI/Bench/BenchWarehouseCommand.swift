import ArgumentParser
import CDCConsumer
import Foundation
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogRuntime
import TwinlogSink
import TwinlogText
import WarehouseConsumer

/// Warehouse throughput (documents materialized per second), relay throughput (changes per second,
/// streaming a backlog from its slot) and end-to-end lag (document event produced → its change on
/// the change topic) at a steady rate with both running.
struct BenchWarehouseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warehouse", abstract: "Materializer and CDC relay throughput, and document → change lag at a steady rate.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Documents per throughput run.") var documents = 10_000
    @Option(help: "Document sizes in bytes, comma-separated.") var sizes = "1024,20480"
    @Option(help: "Steady rate for the lag run, documents per second.") var rate = 200
    @Option(help: "Seconds of the lag run.") var seconds = 20

    func run() async throws {
        let config = try global.load()
        for size in sizes.split(separator: ",").compactMap({ Int($0) }) {
            let result = try await throughput(config, size: size)
            print(String(format: "%6d B documents: materialized %.0f docs/s (%d in %.2f s); relayed %.0f changes/s (%d changes)",
                         size, Double(documents) / result.materialize, documents, result.materialize,
                         Double(result.changes) / result.relay, result.changes))
        }
        let lags = try await lag(config)
        let total = lags.map(\.total), toCommit = lags.map(\.toCommit), fromCommit = lags.map(\.fromCommit)
        print(String(format: "lag at %d docs/s for %d s (%d documents): p50 %.0f ms, p99 %.0f ms, max %.0f ms",
                     rate, seconds, lags.count, BenchSupport.percentile(total, 0.5), BenchSupport.percentile(total, 0.99), total.max() ?? .nan))
        print(String(format: "  captured → warehouse commit: p50 %.0f ms, p99 %.0f ms; commit → change read: p50 %.0f ms, p99 %.0f ms",
                     BenchSupport.percentile(toCommit, 0.5), BenchSupport.percentile(toCommit, 0.99), BenchSupport.percentile(fromCommit, 0.5), BenchSupport.percentile(fromCommit, 0.99)))
    }


    private func makeDocuments(_ count: Int, size: Int, tag: String) -> [DocumentCaptured] {
        let words = ["stream", "log", "replay", "warehouse", "vector", "twin", "kafka", "swift", "index", "model"]
        return (0..<count).map { i in
            var text = "Document \(i) \(tag). "
            while text.utf8.count < size { text += words[(i &* 7 &+ text.utf8.count) % words.count] + " " }
            let url = "https://bench.example/\(tag)/\(i)"
            return DocumentCaptured(documentId: EventIDs.documentId(url: url), authorId: "author-\(i % 20)", authorName: "Author \(i % 20)",
                                    platform: .article, kind: .article, sourceUrl: url, title: "Doc \(i)", content: text, capturedAt: Date())
        }
    }

    private func throughput(_ config: TwinlogConfiguration, size: Int) async throws -> (materialize: Double, relay: Double, changes: Int) {
        let (topics, database, relayConfiguration) = try await BenchSupport.namespace(config, "t\(size)")
        let producer = try KafkaProducer(configuration: config.kafka)
        try await producer.send(try makeDocuments(documents, size: size, tag: "s\(size)").map {
            try EventCodec.record($0, topic: topics.documents, source: "bench")
        })
        await producer.shutdown()

        // The relay creates its slot (an empty snapshot) and stops, so the materializer's changes
        // wait in the slot's WAL; restarted afterwards, the relay streams that backlog alone.
        let creator = try CDCRelay(relayConfiguration)
        let creating = Task { try await creator.run() }
        while creator.position.confirmed == .zero { try await Task.sleep(for: .milliseconds(50)) }
        creating.cancel()
        _ = await creating.result
        await creator.shutdown()

        var materializerConfiguration = WarehouseMaterializer.Configuration(kafka: config.kafka, database: database, topics: topics,
                                                                            groupId: topics.prefix + "warehouse")
        materializerConfiguration.consumer.sessionTimeout = .seconds(3)
        let materializer = try await WarehouseMaterializer(materializerConfiguration)
        var applied = 0
        var started: ContinuousClock.Instant?
        while applied < documents {
            let outcome = try await materializer.step()
            if outcome.records > 0, started == nil { started = .now }
            applied += outcome.records
        }
        let materialize = (ContinuousClock.now - started!).inSeconds
        await materializer.shutdown()

        // Relay: every committed row change (authors, documents, versions) reaches the topic,
        // timed from the relay's start to the reader holding the last change.
        let db = try await PostgresConnection.connect(database)
        let expected = try await db.query("SELECT (SELECT count(*) FROM authors) + 2 * (SELECT count(*) FROM documents) AS n")[0].decode(Int.self, "n")
        let reader = try KafkaConsumer(configuration: config.kafka, options: KafkaConsumer.Options(groupId: topics.prefix + "reader"),
                                       assign: Dictionary(uniqueKeysWithValues: (0..<topics.partitions).map { (TopicPartition(topics.warehouseChanges, $0), KafkaOffset.beginning) }))
        let relay = try CDCRelay(relayConfiguration)
        let relayStarted = ContinuousClock.now
        let relayTask = Task { try await relay.run() }
        var seen = 0
        var last = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(600)
        while seen < expected, ContinuousClock.now < deadline {
            let batch = try await reader.poll(maxRecords: 10_000, timeout: .milliseconds(50))
            if !batch.isEmpty {
                last = .now
                seen += batch.count
            }
        }
        relayTask.cancel()
        _ = await relayTask.result
        await relay.shutdown()
        await reader.close()
        try await BenchSupport.dropSlot(db, relayConfiguration)
        await db.close()
        return (materialize, (last - relayStarted).inSeconds, seen)
    }

    /// End-to-end lags in milliseconds, each split at the warehouse commit.
    struct Lag {
        var total: Double
        /// Event captured → warehouse commit (producer, broker, materializer).
        var toCommit: Double
        /// Warehouse commit → change on the topic, read (WAL decoding, relay, broker).
        var fromCommit: Double
    }

    private func lag(_ config: TwinlogConfiguration) async throws -> [Lag] {
        let (topics, database, relayConfiguration) = try await BenchSupport.namespace(config, "lag")
        var materializerConfiguration = WarehouseMaterializer.Configuration(kafka: config.kafka, database: database, topics: topics,
                                                                            groupId: topics.prefix + "warehouse")
        materializerConfiguration.consumer.sessionTimeout = .seconds(3)
        materializerConfiguration.consumer.fetchMaxWait = .milliseconds(10)
        let materializer = try await WarehouseMaterializer(materializerConfiguration)
        let relay = try CDCRelay(relayConfiguration)
        let relayTask = Task { try await relay.run() }
        let materializerTask = Task { try await materializer.run() }
        var readerOptions = KafkaConsumer.Options(groupId: topics.prefix + "reader")
        readerOptions.fetchMaxWait = .milliseconds(10)
        let reader = try KafkaConsumer(configuration: config.kafka, options: readerOptions,
                                       assign: Dictionary(uniqueKeysWithValues: (0..<topics.partitions).map { (TopicPartition(topics.warehouseChanges, $0), KafkaOffset.end) }))
        try await Task.sleep(for: .seconds(3))

        let total = rate * seconds
        let producer = try KafkaProducer(configuration: config.kafka)
        let sender = Task {
            let interval = Duration.nanoseconds(1_000_000_000 / rate)
            var next = ContinuousClock.now
            for (i, document) in makeDocuments(total, size: 1024, tag: "lag").enumerated() {
                var stamped = document
                stamped.capturedAt = Date()
                try await producer.send(try EventCodec.record(stamped, topic: topics.documents, source: "bench", headers: [KafkaHeader("sent", "\(i)")]))
                next += interval
                try await Task.sleep(until: next)
            }
        }
        var lags: [Lag] = []
        let deadline = ContinuousClock.now + .seconds(seconds + 60)
        while lags.count < total, ContinuousClock.now < deadline {
            for record in try await reader.poll(maxRecords: 1000, timeout: .milliseconds(50)) {
                guard let change = try? EventCodec.decode(record, as: WarehouseChange.self).event,
                      change.table == "documents", change.op == .create,
                      let captured = (change.after?["captured_at"] ?? nil).flatMap(PostgresTimestamp.parse) else { continue }
                let now = Date()
                lags.append(Lag(total: now.timeIntervalSince(captured) * 1000, toCommit: change.commitTime.timeIntervalSince(captured) * 1000,
                                fromCommit: now.timeIntervalSince(change.commitTime) * 1000))
            }
        }
        _ = await sender.result
        materializerTask.cancel()
        relayTask.cancel()
        _ = await materializerTask.result
        _ = await relayTask.result
        await relay.shutdown()
        await producer.shutdown()
        await reader.close()
        let db = try await PostgresConnection.connect(database)
        try await BenchSupport.dropSlot(db, relayConfiguration)
        await db.close()
        return lags
    }


}
