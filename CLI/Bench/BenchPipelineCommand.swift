import ArgumentParser
import CDCConsumer
import FeatureConsumer
import Foundation
import IndexConsumer
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEmbedding
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogRuntime
import TwinlogSink
import TwinlogText
import WarehouseConsumer

/// The feature pipeline end to end: catch-up throughput of the feature consumer against the
/// embedder's standalone throughput on the same chunks, and freshness (document captured →
/// searchable in the index) at a steady rate through warehouse, CDC, features and index.
struct BenchPipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Feature pipeline catch-up (chunks/s vs the standalone embedder) and freshness (captured → searchable) at a steady rate.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Documents in the catch-up run.") var documents = 10_000
    @Option(help: "Chunks embedded standalone for the reference throughput.") var standaloneChunks = 2000
    @Option(help: "Steady rate of the freshness run, documents per second.") var rate = 50
    @Option(help: "Seconds of the freshness run.") var seconds = 30
    @Option(name: .customLong("embedder-model"), help: "The all-MiniLM-L6-v2 folder (default: found in .twinlog/venv).")
    var embedderModel: String?
    @Option(help: "Which parts to run: catchup, freshness or both.") var only = "catchup,freshness"

    func run() async throws {
        let config = try global.load()
        let embedder = try Embedder(locatingModelAt: embedderModel)
        let chunker = Chunker(tokenizer: embedder.tokenizer)
        if only.contains("catchup") {
            let corpus = Self.corpus(documents, tag: "catchup")
            let chunks = corpus.flatMap { Self.pieces(of: $0, chunker: chunker) }
            print("corpus: \(documents) documents, \(chunks.count) chunks, \(chunks.reduce(0) { $0 + $1.chunk.tokenCount } / max(1, chunks.count)) word pieces per chunk on average")

            // The reference: the embedder alone on a slice of the same chunks, in batches as large as
            // the consumer's, measured before and after the catch-up so a change of machine load
            // during the run shows instead of skewing the ratio unseen.
            let sample = Array(chunks.prefix(standaloneChunks)).map(\.embeddedText)
            func standaloneRate() async -> Double {
                let started = ContinuousClock.now
                for start in stride(from: 0, to: sample.count, by: 512) { _ = await embedder.embed(Array(sample[start..<min(start + 512, sample.count)])) }
                return Double(sample.count) / (ContinuousClock.now - started).inSeconds
            }
            let before = await standaloneRate()
            print(String(format: "embedder standalone, before: %.1f chunks/s (%d chunks)", before, sample.count))

            let catchUp = try await catchUp(config, corpus: corpus, embedder: embedder)
            let rate = Double(catchUp.chunks) / catchUp.seconds
            print(String(format: "feature catch-up: %d chunks from %d documents in %.1f s = %.1f chunks/s; %.0f%% of the time in the embedder",
                         catchUp.chunks, documents, catchUp.seconds, rate, 100 * catchUp.embedSeconds / catchUp.seconds))
            let after = await standaloneRate()
            print(String(format: "embedder standalone, after: %.1f chunks/s", after))
            print(String(format: "ratio catch-up / standalone embedder (mean of before and after): %.2f (before %.2f, after %.2f; target ≥ 0.80)",
                         rate / ((before + after) / 2), rate / before, rate / after))
            print(String(format: "index replay of the catch-up's chunk topic: %d chunks in %.1f s = %.0f chunks/s (no embedder)",
                         catchUp.indexChunks, catchUp.indexSeconds, Double(catchUp.indexChunks) / catchUp.indexSeconds))
        }
        guard only.contains("freshness") else { return }
        let freshness = try await freshness(config, embedder: embedder)
        print(String(format: "freshness at %d docs/s (posts of 2–3 sentences, one chunk each) for %d s (%d chunks): p50 %.0f ms, p99 %.0f ms, max %.0f ms (target p99 < 2000 ms)",
                     rate, seconds, freshness.count, BenchSupport.percentile(freshness, 0.5) * 1000, BenchSupport.percentile(freshness, 0.99) * 1000,
                     (freshness.max() ?? .nan) * 1000))
    }

    /// Posts of `sentences` sentences of 10–19 words, distinct per document: 3–8 sentences make one
    /// or two chunks, 2–3 sentences one short chunk (a typical social post).
    static func corpus(_ count: Int, tag: String, sentences: ClosedRange<Int> = 3...8) -> [DocumentCaptured] {
        let words = ["stream", "ledger", "replica", "warehouse", "vector", "index", "kafka", "partition", "offset", "snapshot",
                     "embedding", "chunk", "author", "erasure", "compaction", "latency", "throughput", "schema", "migration", "relay",
                     "garden", "river", "mountain", "violin", "harbor", "lantern", "orchard", "meadow", "glacier", "compass"]
        return (0..<count).map { i in
            var state = UInt64(i + 1) &* 0x9E37_79B9_7F4A_7C15
            func next() -> Int {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Int(state >> 33)
            }
            let sentences = (0..<(sentences.lowerBound + i % sentences.count)).map { s in
                "Note \(i).\(s): the " + (0..<(10 + next() % 10)).map { _ in words[next() % words.count] }.joined(separator: " ") + "."
            }
            let url = "https://bench.example/\(tag)/\(i)"
            return DocumentCaptured(documentId: EventIDs.documentId(url: url), authorId: "author-\(i % 20)", authorName: "Author \(i % 20)",
                                    platform: .linkedin, kind: .post, sourceUrl: url, title: "Post \(i)",
                                    content: sentences.joined(separator: " "), capturedAt: Date())
        }
    }


    struct CatchUp {
        var chunks = 0
        var seconds = 0.0
        var embedSeconds = 0.0
        var indexChunks = 0
        var indexSeconds = 0.0
    }

    /// Fills the change topic through the warehouse and the relay, then times the feature consumer
    /// from its first batch until every document's chunk set is stored.
    private func catchUp(_ config: TwinlogConfiguration, corpus: [DocumentCaptured], embedder: Embedder) async throws -> CatchUp {
        let (topics, database, relayConfiguration) = try await BenchSupport.namespace(config, "catchup")
        let producer = try KafkaProducer(configuration: config.kafka)
        try await producer.send(try corpus.map { try EventCodec.record($0, topic: topics.documents, source: "bench") })
        await producer.shutdown()

        var warehouseConfiguration = WarehouseMaterializer.Configuration(kafka: config.kafka, database: database, topics: topics, groupId: topics.prefix + "warehouse")
        warehouseConfiguration.consumer.sessionTimeout = .seconds(3)
        let materializer = try await WarehouseMaterializer(warehouseConfiguration)
        let relay = try CDCRelay(relayConfiguration)
        let relayTask = Task { try await relay.run() }
        let db = try await PostgresConnection.connect(database)
        while try await db.query("SELECT count(*) AS n FROM documents")[0].decode(Int.self, "n") < corpus.count {
            try await materializer.step()
        }
        await materializer.shutdown()
        // Wait until the relay published the last document change.
        let reader = try KafkaConsumer(configuration: config.kafka, options: KafkaConsumer.Options(groupId: topics.prefix + "reader"),
                                       assign: Dictionary(uniqueKeysWithValues: (0..<topics.partitions).map { (TopicPartition(topics.warehouseChanges, $0), KafkaOffset.beginning) }))
        var documentChanges = 0
        while documentChanges < corpus.count {
            for record in try await reader.poll(maxRecords: 10_000, timeout: .milliseconds(200)) where record.keyString?.hasPrefix("documents:") == true {
                documentChanges += 1
            }
        }
        await reader.close()
        relayTask.cancel()
        _ = await relayTask.result
        await relay.shutdown()

        var featureConfiguration = FeatureConsumer.Configuration(kafka: config.kafka, database: database, topics: topics, groupId: topics.prefix + "features")
        featureConfiguration.consumer.sessionTimeout = .seconds(3)
        let consumer = try await FeatureConsumer(featureConfiguration, embedder: embedder)
        var result = CatchUp()
        var started: ContinuousClock.Instant?
        var stored = 0
        while stored < corpus.count {
            let stepStart = ContinuousClock.now
            let outcome = try await consumer.step()
            if outcome.records > 0, started == nil { started = stepStart }
            result.chunks += outcome.chunksEmbedded
            result.embedSeconds += outcome.embedSeconds
            if outcome.records > 0 {
                stored = try await db.query("SELECT count(*) AS n FROM feature_chunk_sets WHERE author_id IS NOT NULL")[0].decode(Int.self, "n")
            }
        }
        result.seconds = (ContinuousClock.now - started!).inSeconds
        await consumer.shutdown()

        let (_, replay) = try await IndexReplay.run(IndexMaterializer.Configuration(kafka: config.kafka, topics: topics))
        result.indexChunks = replay.chunks
        result.indexSeconds = replay.seconds
        try await BenchSupport.dropSlot(db, relayConfiguration)
        await db.close()
        return result
    }

    /// Runs the four components in this process and sends documents at a steady rate; returns the
    /// seconds from each document's capture to its chunks being searchable, per chunk.
    private func freshness(_ config: TwinlogConfiguration, embedder: Embedder) async throws -> [Double] {
        let (topics, database, relayConfiguration) = try await BenchSupport.namespace(config, "fresh")
        func tuned(_ options: inout KafkaConsumer.Options) {
            options.sessionTimeout = .seconds(3)
            options.fetchMaxWait = .milliseconds(10)
        }
        var warehouseConfiguration = WarehouseMaterializer.Configuration(kafka: config.kafka, database: database, topics: topics, groupId: topics.prefix + "warehouse")
        tuned(&warehouseConfiguration.consumer)
        var featureConfiguration = FeatureConsumer.Configuration(kafka: config.kafka, database: database, topics: topics, groupId: topics.prefix + "features")
        tuned(&featureConfiguration.consumer)
        var indexConfiguration = IndexMaterializer.Configuration(kafka: config.kafka, topics: topics)
        tuned(&indexConfiguration.consumer)
        let materializer = try await WarehouseMaterializer(warehouseConfiguration)
        let relay = try CDCRelay(relayConfiguration)
        let features = try await FeatureConsumer(featureConfiguration, embedder: embedder)
        let index = try await IndexMaterializer(indexConfiguration)
        let tasks = [Task { try await materializer.run() }, Task { try await relay.run() }, Task { try await features.run() }]
        try await Task.sleep(for: .seconds(4))

        let total = rate * seconds
        let corpus = Self.corpus(total, tag: "fresh", sentences: 2...3)
        let producer = try KafkaProducer(configuration: config.kafka)
        let sender = Task {
            let interval = Duration.nanoseconds(1_000_000_000 / rate)
            var next = ContinuousClock.now
            for document in corpus {
                var stamped = document
                stamped.capturedAt = Date()
                try await producer.send(try EventCodec.record(stamped, topic: topics.documents, source: "bench"))
                next += interval
                try await Task.sleep(until: next)
            }
        }
        let chunker = Chunker(tokenizer: embedder.tokenizer)
        let expected = corpus.reduce(0) { $0 + Self.pieces(of: $1, chunker: chunker).count }
        var samples: [Double] = []
        let deadline = ContinuousClock.now + .seconds(seconds + 120)
        while samples.count < expected, ContinuousClock.now < deadline {
            samples += try await index.step(timeout: .milliseconds(20)).freshness
        }
        _ = await sender.result
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.result }
        await relay.shutdown()
        await producer.shutdown()
        await index.shutdown()
        let db = try await PostgresConnection.connect(database)
        try await BenchSupport.dropSlot(db, relayConfiguration)
        await db.close()
        if samples.count < expected { print("warning: only \(samples.count) of \(expected) chunks became searchable in time") }
        return samples
    }



    /// What the feature consumer makes of a corpus document under the default chunking scheme.
    static func pieces(of document: DocumentCaptured, chunker: Chunker) -> [ChunkingScheme.Piece] {
        let row = DocumentRow(documentId: document.documentId, authorId: document.authorId, platform: document.platform, kind: document.kind,
                              title: document.title, url: document.sourceUrl, content: document.content, contentHash: document.contentHash,
                              capturedAt: document.capturedAt)
        return ChunkingScheme.current.pieces(of: row, content: document.content, chunker: chunker)
    }
}
