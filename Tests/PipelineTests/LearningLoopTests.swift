import DriftConsumer
import Foundation
import Testing
import TrainingConsumer
import TwinlogDataset
import TwinlogDrift
import TwinlogEvents
import TwinlogGeneration
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogSink
import TwinlogText
@testable import TwinlogTraining
import TwinlogTestSupport
import WarehouseConsumer

/// Two corpora in one author's voice: posts about software (what the twin is first trained on) and
/// posts about baking bread (a new topic). Sentences are assembled from small vocabularies so
/// every post differs but each topic stays recognisable to the embedder.
enum LearningCorpus {
    static let subjects = ["consumer groups", "partition rebalances", "replication slots", "vector indexes", "schema migrations",
                           "retry budgets", "idempotent producers", "compacted topics", "backpressure", "checkpoints", "dead-letter queues",
                           "exactly-once delivery"]
    static let images = ["a crew sharing one net", "a tide table read at midnight", "the lamp turning without a keeper",
                         "a logbook no storm can wash out", "a harbour chain lifted at dawn", "a foghorn that answers every ship"]
    static let lessons = ["Write the offset down with the catch, never before it.", "A restart should find the lamp exactly where it was left.",
                          "Measure the queue before you blame the sea.", "Every message deserves a place to land, even the broken ones.",
                          "Keep the replay cheap and the rebuild boring.", "Let the slow consumer fall behind without sinking the fleet."]
    static let ingredients = ["rye", "spelt", "whole wheat", "einkorn", "durum", "emmer"]
    static let steps = ["the autolyse rested for forty minutes", "the levain doubled before noon", "the dough was folded four times",
                        "the cold proof ran overnight in the fridge", "the banneton was dusted with rice flour",
                        "the oven was preheated with the cast iron pot inside"]
    static let results = ["The crumb came out open and glossy.", "The crust crackled as it cooled on the rack.",
                          "The ear rose high along the scoring line.", "The loaf tasted of toasted grain and a little honey.",
                          "The bottom was dark but not burnt.", "The starter smelled sweet and sharp at the same time."]

    /// A post about software in the lighthouse keeper's voice.
    static func softwarePost(_ i: Int) -> String {
        "Ahoy from the lamp room. Tonight I kept thinking about \(subjects[i % subjects.count]), which behave like "
            + "\(images[(i / 2) % images.count]). \(lessons[(i / 3) % lessons.count]) When the night shift on the cluster ends, I "
            + "write down what the \(subjects[(i + 5) % subjects.count]) taught me, because the sea forgets and the log does not. Fair winds, Marta."
    }

    /// A post about baking bread: the new topic.
    static func bakingPost(_ i: Int) -> String {
        "Flour on my apron again. This loaf used \(60 + i % 25) percent hydration and a share of \(ingredients[i % ingredients.count]) flour; "
            + "\(steps[(i / 2) % steps.count]) and \(steps[(i + 3) % steps.count]). \(results[(i / 3) % results.count]) "
            + "Next bake I will try \(ingredients[(i + 2) % ingredients.count]) and a longer bulk ferment at \(22 + i % 5) degrees."
    }

    static func documents(_ texts: [String], prefix: String, author: String = "Marta Keeper") -> [DocumentCaptured] {
        texts.enumerated().map { i, text in
            PipelineFixture.document("https://\(prefix).example/posts/\(i)", author: author, kind: .post, content: text)
        }
    }
}

/// The real SmolLM2 (Float32, so debug builds run in BLAS), loaded once for the suite.
enum LearningModels {
    static let path = Result { try ModelLocator.generatorPath(startingAt: FileManager.default.currentDirectoryPath) }
    static let generator = Result { try Generator(path: try path.get(), format: .float32) }
    static let sha256 = Result { try FileDigest.sha256(ofFileAt: try path.get()) }

    static func load() throws -> (Generator, String) {
        do {
            return (try generator.get(), try sha256.get())
        } catch {
            Issue.record("the SmolLM2 model is missing (\(error)); infra/dev/setup installs it into .twinlog/venv")
            throw error
        }
    }

    /// Small, fast runs: enough to move held-out perplexity, not to make a good twin.
    static func settings(artifacts: String) -> TrainingSettings {
        TrainingSettings(
            training: TrainingConfiguration(lora: LoRAConfiguration(rank: 4, alpha: 8, targets: [.query, .value]), steps: 8, batchSize: 4,
                                            maxSequenceLength: 96, learningRate: 3e-3, warmupSteps: 2, seed: 3),
            styleSamples: 1, styleMaxTokens: 6, threads: 2, artifactsDirectory: artifacts)
    }
}

@Suite("Drift, datasets, training and the model registry against the real broker, PostgreSQL and models", .serialized)
struct LearningLoopTests {
    /// Every event of `E` on `topic` from the beginning, reading until the topic is quiet.
    static func events<E: TwinlogEvent>(_ type: E.Type, topic: String, fixture: PipelineFixture) async throws -> [ReceivedEvent<E>] {
        let reader = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: fixture.name + ".events"),
                                       assign: [TopicPartition(topic, 0): KafkaOffset.beginning])
        var events: [ReceivedEvent<E>] = []
        while true {
            let records = try await reader.poll(maxRecords: 100, timeout: .seconds(2))
            if records.isEmpty { break }
            events += try records.map { try EventCodec.decode($0, as: E.self) }
        }
        await reader.close()
        return events
    }

    @Test("a manual trigger promotes a first champion; unchanged posts fire nothing, new posts on the same topic test quiet, posts on a new topic fire exactly one DriftDetected and one training run",
          .timeLimit(.minutes(20)))
    func driftTriggersOneRun() async throws {
        let (generator, sha) = try LearningModels.load()
        let fixture = try await PipelineFixture("drift")
        let artifacts = try makeTemporaryFolder("artifacts")
        defer { try? FileManager.default.removeItem(atPath: artifacts) }
        let pipeline = try await RunningPipeline(fixture)

        var monitorConfiguration = DriftMonitor.Configuration(kafka: LocalServices.kafka, database: fixture.database, topics: fixture.topics)
        monitorConfiguration.consumer = LocalServices.consumerOptions(group: fixture.name + ".drift")
        monitorConfiguration.policy = DriftPolicy(minimumWindow: 12, volumeThreshold: 10_000, coolDown: .seconds(3600))
        monitorConfiguration.testInterval = .zero
        let monitor = try await DriftMonitor(monitorConfiguration)
        let monitorTask = Task { try await monitor.run() }
        let training = try await TrainingConsumer(
            TrainingConsumer.Configuration(kafka: LocalServices.kafka, database: fixture.database, topics: fixture.topics,
                                           settings: LearningModels.settings(artifacts: artifacts)),
            generator: generator, embedder: fixture.embedder, baseModelSha256: sha)
        let trainingTask = Task { try await training.run() }

        let software = LearningCorpus.documents((0..<30).map(LearningCorpus.softwarePost), prefix: "lamp")
        try await fixture.send(software)
        let embedded = try await eventually(timeout: .seconds(300)) {
            try await fixture.db.query("SELECT count(*) AS n FROM drift_embeddings")[0].decode(Int.self, "n") >= 30
        }
        #expect(embedded, "the drift monitor should hold the 30 software posts")

        // A manual trigger: the first model, better than the base model, becomes champion.
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        let manual = DriftDetected.manual(scope: "all")
        _ = try await producer.send(try EventCodec.record(manual, topic: fixture.topics.drift, source: "tests", id: "manual:first"))
        let promoted = try await eventually(timeout: .seconds(900)) {
            try await fixture.db.query("SELECT count(*) AS n FROM drift_state WHERE epoch = 1")[0].decode(Int.self, "n") == 1
        }
        let firstRun = try await fixture.db.query("SELECT status, error, promoted FROM training_runs WHERE trigger_id = 'manual:first'")
        #expect(promoted, "the first model should be promoted and move the monitor to epoch 1: \(firstRun.map { try? $0.text("error") })")
        #expect(try firstRun.map { try $0.decode(String.self, "status") } == ["succeeded"])

        // Re-crawling unchanged posts changes no chunk, so there is nothing to test and nothing fires.
        try await fixture.send(software)
        try await Task.sleep(for: .seconds(5))
        let quiet = try await monitor.check()
        #expect(quiet.windowSize == 0 && quiet.fired == nil, "window \(quiet.windowSize), fired \(String(describing: quiet.fired))")

        // New posts on the same topic: tested, but no drift.
        try await fixture.send(LearningCorpus.documents((30..<45).map(LearningCorpus.softwarePost), prefix: "lamp"))
        #expect(try await eventually(timeout: .seconds(300)) {
            try await fixture.db.query("SELECT count(*) AS n FROM drift_embeddings WHERE epoch = 1")[0].decode(Int.self, "n") == 15
        })
        let sameTopic = try await monitor.check()
        #expect(sameTopic.result != nil && sameTopic.fired == nil, "same-topic posts: \(String(describing: sameTopic.result))")
        print("same topic: \(String(describing: sameTopic.result))")

        // Posts on a new topic: one DriftDetected, one training run.
        try await fixture.send(LearningCorpus.documents((0..<20).map(LearningCorpus.bakingPost), prefix: "bakery"))
        let fired = try await eventually(timeout: .seconds(300)) {
            try await fixture.db.query("SELECT count(*) AS n FROM drift_state WHERE last_fired_at IS NOT NULL")[0].decode(Int.self, "n") == 1
        }
        #expect(fired, "posts on a new topic should fire the drift monitor")
        let trained = try await eventually(timeout: .seconds(900)) {
            try await fixture.db.query("SELECT count(*) AS n FROM training_runs WHERE trigger_id LIKE 'drift:%' AND status <> 'running'")[0]
                .decode(Int.self, "n") >= 1
        }
        #expect(trained, "the drift event should have started a training run")
        let again = try await monitor.check()
        #expect(again.fired == nil, "the cool-down keeps a second event from the same shift")

        let drift = try await Self.events(DriftDetected.self, topic: fixture.topics.drift, fixture: fixture).filter { $0.event.trigger == .drift }
        #expect(drift.count == 1, "exactly one DriftDetected, got \(drift.count)")
        if let event = drift.first {
            #expect(event.event.pValue <= 0.01 && event.event.windowSize >= 12)
            #expect(event.event.referenceDatasetVersion?.hasPrefix("ds-") == true)
            print("drift: MMD² \(event.event.statistic), p \(event.event.pValue), window \(event.event.windowSize)")
        }
        let runs = try await fixture.db.query("SELECT trigger_id, status FROM training_runs ORDER BY started_at")
        #expect(runs.count == 2, "one manual run and one drift run: \(runs.map { try? $0.text("trigger_id") })")
        let datasets = try await Self.events(DatasetPublished.self, topic: fixture.topics.datasets, fixture: fixture)
        #expect(datasets.count == 2 && Set(datasets.map(\.event.datasetVersion)).count == 2)
        let models = try await Self.events(ModelPublished.self, topic: fixture.topics.models, fixture: fixture)
        #expect(models.count >= 1 && models[0].event.datasetVersion == datasets[0].event.datasetVersion)

        trainingTask.cancel()
        monitorTask.cancel()
        _ = await trainingTask.result
        _ = await monitorTask.result
        await producer.shutdown()
        await pipeline.stop()
        await fixture.dropSlot()
    }

    @Test("a run whose loss turns NaN is recorded as failed; the champion stays and nothing is published", .timeLimit(.minutes(10)))
    func failedRunKeepsChampion() async throws {
        let (generator, sha) = try LearningModels.load()
        let fixture = try await PipelineFixture("nanrun")
        let artifacts = try makeTemporaryFolder("artifacts")
        defer { try? FileManager.default.removeItem(atPath: artifacts) }
        let warehouse = try await WarehouseMaterializer(fixture.warehouseConfiguration)
        try await fixture.send(LearningCorpus.documents((0..<12).map(LearningCorpus.softwarePost), prefix: "nan"))
        let loaded = try await eventually(timeout: .seconds(120)) {
            try await warehouse.step()
            return try await fixture.db.query("SELECT count(*) AS n FROM documents")[0].decode(Int.self, "n") == 12
        }
        #expect(loaded)
        await warehouse.shutdown()

        let registry = ModelRegistry(topics: fixture.topics)
        try await fixture.db.transaction { db in
            try await registry.register(ModelRegistry.Entry(version: "m-existing", baseModelSha256: sha, adapterPath: nil, adapterSha256: nil,
                                                            datasetVersion: "ds-earlier", hyperparameters: [:], metrics: [:]), in: db)
            try await registry.promote("m-existing", in: db)
        }
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        try await registry.publish(fixture.db, producer: producer)

        // A numerically broken base model: every embedding is NaN, so the first step's loss is.
        let weights = try BaseWeights(model: generator.model)
        weights.embedding.update(repeating: .nan, count: weights.config.vocabularySize * weights.config.modelDim)
        let training = try await TrainingConsumer(
            TrainingConsumer.Configuration(kafka: LocalServices.kafka, database: fixture.database, topics: fixture.topics,
                                           settings: LearningModels.settings(artifacts: artifacts)),
            generator: generator, embedder: fixture.embedder, baseModelSha256: sha,
            trainer: LoRATrainer(weights: weights, tokenizer: generator.tokenizer))
        let trigger = DriftDetected.manual(scope: "all")
        _ = try await producer.send(try EventCodec.record(trigger, topic: fixture.topics.drift, source: "tests", id: "manual:nan"))
        var outcome: TrainingConsumer.Outcome?
        let deadline = ContinuousClock.now + .seconds(300)
        while outcome == nil, ContinuousClock.now < deadline { outcome = try await training.step() }
        guard case .failed(let message) = outcome else {
            Issue.record("expected a failed run, got \(String(describing: outcome))")
            return
        }
        #expect(message.contains("diverged"))
        let runs = try await fixture.db.query("SELECT status, error FROM training_runs WHERE trigger_id = 'manual:nan'")
        #expect(runs.count == 1)
        #expect(try runs.first?.decode(String.self, "status") == "failed")
        #expect(try runs.first?.decodeIfPresent(String.self, "error")?.contains("diverged") == true)
        #expect(try await registry.champion(fixture.db)?.version == "m-existing")
        #expect(try await training.step(timeout: .seconds(2)) == nil, "the failed trigger is consumed, not retried")
        let models = try await Self.events(ModelPublished.self, topic: fixture.topics.models, fixture: fixture)
        #expect(models.map(\.event.modelVersion) == ["m-existing"])

        await training.shutdown()
        await producer.shutdown()
    }

    @Test("an erased author's text is absent from the next dataset")
    func erasedAuthorLeavesDataset() async throws {
        let fixture = try await PipelineFixture("erasure")
        let artifacts = try makeTemporaryFolder("artifacts")
        defer { try? FileManager.default.removeItem(atPath: artifacts) }
        let warehouse = try await WarehouseMaterializer(fixture.warehouseConfiguration)
        let keeper = LearningCorpus.documents((0..<10).map(LearningCorpus.softwarePost), prefix: "keep", author: "Marta Keeper")
        let baker = LearningCorpus.documents((0..<10).map(LearningCorpus.bakingPost), prefix: "bake", author: "Bo Baker")
        try await fixture.send(keeper + baker)
        #expect(try await eventually {
            try await warehouse.step()
            return try await fixture.db.query("SELECT count(*) AS n FROM documents")[0].decode(Int.self, "n") == 20
        })
        let regenerator = DatasetRegenerator(chunker: fixture.chunker, builder: DatasetBuilder(), artifactsDirectory: artifacts,
                                             topics: fixture.topics)
        let before = try await regenerator.regenerate(fixture.db, scope: "all", triggerId: "t1")
        let bakerIds = Set(baker.map(\.documentId))
        let all = before.artifact.dataset.train + before.artifact.dataset.eval
        #expect(all.contains { bakerIds.contains($0.documentId) })

        try await fixture.send([AuthorErased(authorId: EventIDs.authorId(name: "Bo Baker"), reason: "erasure request", requestedAt: Date())])
        #expect(try await eventually {
            try await warehouse.step()
            return try await fixture.db.query("SELECT count(*) AS n FROM documents")[0].decode(Int.self, "n") == 10
        })
        let after = try await regenerator.regenerate(fixture.db, scope: "all", triggerId: "t2")
        let reread = try DatasetArtifact.read(path: after.path, expectedSha256: after.artifact.sha256)
        let samples = reread.dataset.train + reread.dataset.eval
        #expect(!samples.isEmpty && samples.allSatisfy { !bakerIds.contains($0.documentId) })
        #expect(samples.allSatisfy { !$0.output.contains("Flour on my apron") })
        #expect(after.artifact.version != before.artifact.version)
        let rows = try await fixture.db.query("SELECT dataset_version, documents FROM datasets ORDER BY created_at")
        #expect(try rows.map { try $0.decode(Int.self, "documents") } == [20, 10])
        await warehouse.shutdown()
    }

    @Test("promote and rollback move the champion and publish each change; rolling back past the first champion serves the base model")
    func registryPromoteRollback() async throws {
        let fixture = try await PipelineFixture("registry")
        let registry = ModelRegistry(topics: fixture.topics)
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        for version in ["m-a", "m-b"] {
            try await fixture.db.transaction { db in
                try await registry.register(ModelRegistry.Entry(version: version, baseModelSha256: String(repeating: "b", count: 64),
                                                                adapterPath: "/adapters/\(version).twlt", adapterSha256: String(repeating: "a", count: 64), datasetVersion: "ds-\(version)", hyperparameters: ["rank": "4"],
                                                                metrics: ["eval_perplexity": 3.5]), in: db)
            }
        }
        let t0 = Date()
        try await fixture.db.transaction { db in try await registry.promote("m-a", in: db, at: t0) }
        try await fixture.db.transaction { db in try await registry.promote("m-b", in: db, at: t0.addingTimeInterval(1)) }
        #expect(try await registry.champion(fixture.db)?.version == "m-b")
        let back = try await fixture.db.transaction { db in try await registry.rollback(in: db, at: t0.addingTimeInterval(2)) }
        #expect(back == "m-a")
        #expect(try await registry.champion(fixture.db)?.version == "m-a")
        let statuses = Dictionary(uniqueKeysWithValues: try await registry.list(fixture.db).map { ($0.version, $0.status) })
        #expect(statuses == ["m-a": "champion", "m-b": "retired"])
        let base = try await fixture.db.transaction { db in try await registry.rollback(in: db, at: t0.addingTimeInterval(3)) }
        #expect(base == "base")
        #expect(try await registry.champion(fixture.db) == nil)
        await #expect(throws: ModelRegistry.RegistryError.self) {
            try await fixture.db.transaction { db in try await registry.promote("m-missing", in: db) }
        }

        try await registry.publish(fixture.db, producer: producer)
        let published = try await Self.events(ModelPublished.self, topic: fixture.topics.models, fixture: fixture)
        #expect(published.map(\.event.modelVersion) == ["m-a", "m-b", "m-a", "base"])
        #expect(published.last?.event.adapterPath == nil)
        #expect(try await fixture.db.query("SELECT count(*) AS n FROM event_outbox")[0].decode(Int.self, "n") == 0)
        await producer.shutdown()
    }
}
