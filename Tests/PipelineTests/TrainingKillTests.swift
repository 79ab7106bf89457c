import Foundation
import Testing
import TrainingConsumer
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogRuntime
import TwinlogTestSupport
import TwinlogTraining
import WarehouseConsumer

/// The real `twinlog run --only training` process, killed with SIGKILL in the middle of a run.
@Suite("Kill -9 of the training consumer during a run", .serialized)
struct TrainingKillTests {
    @Test("a run killed after a checkpoint is recorded as interrupted, publishes nothing, and the next process resumes it from the checkpoint",
          .timeLimit(.minutes(15)))
    func killDuringTraining() async throws {
        let binary = try twinlogBinary()
        let (generator, sha) = try LearningModels.load()
        let fixture = try await PipelineFixture("tkill")
        let artifacts = try makeTemporaryFolder("artifacts")
        defer { try? FileManager.default.removeItem(atPath: artifacts) }
        let warehouse = try await WarehouseMaterializer(fixture.warehouseConfiguration)
        try await fixture.send(LearningCorpus.documents((0..<16).map(LearningCorpus.softwarePost), prefix: "tkill"))
        #expect(try await eventually(timeout: .seconds(120)) {
            try await warehouse.step()
            return try await fixture.db.query("SELECT count(*) AS n FROM documents")[0].decode(Int.self, "n") == 16
        })
        await warehouse.shutdown()

        let log = artifacts + "/run.log"
        let environment = [
            "TWINLOG_BROKERS": LocalServices.brokers, "TWINLOG_DATABASE_URL": LocalServices.databaseURL,
            "TWINLOG_DATABASE_SCHEMA": fixture.name, "TWINLOG_TOPIC_PREFIX": fixture.topics.prefix, "TWINLOG_LOG_LEVEL": "info",
        ]
        let arguments = [binary, "run", "--only", "training", "--artifacts", artifacts, "--training-steps", "24", "--training-max-length", "96"]
        let process = try ChildProcess.start(arguments, environment: environment, stdoutPath: "/dev/null", stderrPath: log)
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        let trigger = DriftDetected.manual(scope: "all")
        _ = try await producer.send(try EventCodec.record(trigger, topic: fixture.topics.drift, source: "tests", id: "manual:kill"))

        // Kill once the run has written its first checkpoint (every 10 steps).
        let checkpoint = artifacts + "/runs/manual_kill/checkpoint.twlt"
        let checkpointed = await eventually(timeout: .seconds(600)) { FileManager.default.fileExists(atPath: checkpoint) }
        #expect(checkpointed, "no checkpoint: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        process.send(SIGKILL)
        _ = try await BlockingExecutor(label: "tests.training.kill").run { try process.wait() }
        let running = try await fixture.db.query("SELECT status FROM training_runs WHERE trigger_id = 'manual:kill'")
        #expect(try running.map { try $0.decode(String.self, "status") } == ["running"])
        #expect(try await ModelRegistry(topics: fixture.topics).champion(fixture.db) == nil, "the killed run promoted nothing")
        #expect(try await LearningLoopTests.events(ModelPublished.self, topic: fixture.topics.models, fixture: fixture).isEmpty)

        // The next process (here in-process, with the same training settings) takes the trigger up again.
        var settings = LearningModels.settings(artifacts: artifacts)
        settings.training = TrainingSettings().training
        settings.training.steps = 24
        settings.training.maxSequenceLength = 96
        let training = try await TrainingConsumer(
            TrainingConsumer.Configuration(kafka: LocalServices.kafka, database: fixture.database, topics: fixture.topics, settings: settings),
            generator: generator, embedder: fixture.embedder, baseModelSha256: sha)
        var outcome: TrainingConsumer.Outcome?
        let deadline = ContinuousClock.now + .seconds(600)
        while outcome == nil, ContinuousClock.now < deadline { outcome = try await training.step() }
        guard case .trained(let version, _, let promoted) = outcome else {
            Issue.record("expected a trained model, got \(String(describing: outcome))")
            return
        }
        let runs = try await fixture.db.query("SELECT attempt, status, error FROM training_runs WHERE trigger_id = 'manual:kill' ORDER BY attempt")
        #expect(try runs.map { try $0.decode(String.self, "status") } == ["failed", "succeeded"])
        #expect(try runs.first?.decodeIfPresent(String.self, "error")?.hasPrefix("interrupted") == true)
        let entry = try await ModelRegistry(topics: fixture.topics).list(fixture.db).first { $0.version == version }
        let resumedSteps = entry?.metrics["train_steps_this_attempt"] ?? 24
        #expect(resumedSteps <= 14, "the second attempt resumed after step 10, it ran \(resumedSteps) steps")
        #expect(promoted)
        #expect(try await LearningLoopTests.events(ModelPublished.self, topic: fixture.topics.models, fixture: fixture).map(\.event.modelVersion) == [version])
        await training.shutdown()
        await producer.shutdown()
    }
}
