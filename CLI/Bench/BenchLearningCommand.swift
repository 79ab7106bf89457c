import ArgumentParser
import Foundation
import TrainingConsumer
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEmbedding
import TwinlogEvents
import TwinlogGeneration
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogRuntime
import TwinlogText
import TwinlogTraining
import WarehouseConsumer

/// The continuous-training loop's wall time: a DriftDetected for a warehouse holding one author's
/// documents → dataset regeneration → LoRA training → evaluation → promotion → ModelPublished on
/// the topic, with the time of each stage, on the default training settings.
struct BenchLearningCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learning", abstract: "Wall time from DriftDetected to a promoted model on one author's corpus.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The corpus, one document per line (the first --documents are attributed to one author).")
    var corpus = "Benchmarks/rag/corpus.jsonl"
    @Option(help: "Documents of the author.") var documents = 200
    @Option(name: .customLong("steps"), help: "Training steps (default: the training consumer's).") var steps: Int?
    @Option(name: .customLong("preference-steps"), help: "DPO steps after the supervised run.") var preferenceSteps = 0
    @Option(name: .customLong("model-path"), help: "The SmolLM2 GGUF file (default: found in .twinlog/venv).") var modelPath: String?

    struct Document: Decodable {
        let platform, kind, title, url, content: String
    }

    func run() async throws {
        let config = try global.load()
        let lines = try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n").prefix(documents)
        let texts = try lines.map { try JSONDecoder().decode(Document.self, from: Data($0.utf8)) }
        guard texts.count == documents else { throw ValidationError("\(corpus) has \(texts.count) documents, fewer than \(documents)") }
        let (topics, database, _) = try await BenchSupport.namespace(config, "learning")
        let path = try ModelLocator.generatorPath(explicit: modelPath)
        let (generator, sha, embedder) = try await BlockingExecutor(label: "twinlog.bench.models").run {
            (try Generator(path: path), try FileDigest.sha256(ofFileAt: path), try Embedder(locatingModelAt: nil))
        }

        // The author's documents, materialized into the bench's warehouse.
        let author = "Bench Author"
        let events = texts.map { d in
            DocumentCaptured(documentId: EventIDs.documentId(url: d.url), authorId: EventIDs.authorId(name: author), authorName: author,
                             platform: Platform(rawValue: d.platform) ?? .article, kind: DocumentKind(rawValue: d.kind) ?? .article,
                             sourceUrl: d.url, title: d.title, content: d.content, capturedAt: Date())
        }
        let producer = try KafkaProducer(configuration: config.kafka)
        _ = try await producer.send(try events.map { try EventCodec.record($0, topic: topics.documents, source: "twinlog/bench") })
        let warehouse = try await WarehouseMaterializer(.init(kafka: config.kafka, database: database, topics: topics,
                                                               groupId: topics.prefix + "warehouse"))
        let db = try await PostgresConnection.connect(database)
        while try await db.query("SELECT count(*) AS n FROM documents")[0].decode(Int.self, "n") < documents { try await warehouse.step() }
        await warehouse.shutdown()
        print("warehouse: \(documents) documents of one author (\(texts.reduce(0) { $0 + $1.content.count } / documents) characters on average)")

        let artifacts = FileManager.default.temporaryDirectory.appendingPathComponent(topics.prefix + "artifacts").path
        defer { try? FileManager.default.removeItem(atPath: artifacts) }
        var settings = TrainingSettings(preferenceSteps: preferenceSteps, artifactsDirectory: artifacts)
        if let steps { settings.training.steps = steps }
        let training = try await TrainingConsumer(.init(kafka: config.kafka, database: database, topics: topics, settings: settings),
                                                  generator: generator, embedder: embedder, baseModelSha256: sha)
        let trigger = DriftDetected.manual(scope: EventIDs.authorId(name: author), newDocuments: documents)
        let started = ContinuousClock.now
        _ = try await producer.send(try EventCodec.record(trigger, topic: topics.drift, source: "twinlog/bench", id: "bench:\(UUID().uuidString)"))
        var outcome: TrainingConsumer.Outcome?
        while outcome == nil { outcome = try await training.step() }
        let models = try KafkaConsumer(configuration: config.kafka, options: .init(groupId: topics.prefix + "reader"),
                                       assign: [TopicPartition(topics.models, 0): KafkaOffset.beginning])
        var published: ModelPublished?
        if case .trained(_, _, true) = outcome {
            while published == nil {
                published = try await models.poll(maxRecords: 1, timeout: .seconds(5)).first.map { try EventCodec.decode($0, as: ModelPublished.self).event }
            }
        }
        let wall = (ContinuousClock.now - started).inSeconds
        await models.close()
        await training.shutdown()
        await producer.shutdown()
        guard case .trained(let version, let dataset, let promoted) = outcome else { throw ValidationError("the run did not train: \(String(describing: outcome))") }
        let entry = try await ModelRegistry(topics: topics).list(db).first { $0.version == version }
        let sizes = try await db.query("SELECT train_samples, eval_samples, filter_statistics::text AS f FROM datasets WHERE dataset_version = \(dataset)")
        await db.close()
        let m = entry?.metrics ?? [:]
        func value(_ key: String) -> Double { m[key] ?? .nan }
        let c = settings.training
        print("dataset \(dataset): \(try sizes[0].decode(Int.self, "train_samples")) train / \(try sizes[0].decode(Int.self, "eval_samples")) eval samples; filters \(try sizes[0].decode(String.self, "f"))")
        print("training: LoRA r=\(c.lora.rank) on \(c.lora.targets.map(\.rawValue).joined(separator: ",")), \(c.steps) steps of \(c.batchSize) × ≤\(c.maxSequenceLength) tokens, "
              + String(format: "%.0f tokens/s", value("train_tokens_per_second")))
        print(String(format: "held-out perplexity: base %.2f → candidate %.2f; style similarity %.3f", value("eval_perplexity_base"),
                     value("eval_perplexity"), value("style_similarity")))
        print(String(format: "stages: dataset %.1f s, training %.1f s, evaluation %.1f s", value("seconds_dataset"), value("seconds_training"),
                     value("seconds_evaluation")))
        let result = promoted ? "ModelPublished \(published?.modelVersion ?? version) (promoted)" : "\(version), not promoted"
        print("DriftDetected → \(result) in " + String(format: "%.1f s", wall))
    }
}
