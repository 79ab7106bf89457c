import ArgumentParser
import Foundation
import TrainingConsumer
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres

/// `twinlog train`: asks for a training run now, as if drift had been detected. Publishes a
/// manual DriftDetected to `twin.drift`; the training consumer (`twinlog run --only training`)
/// regenerates the dataset, trains, evaluates and promotes when the candidate is better.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Trigger dataset regeneration and a LoRA training run (a manual DriftDetected).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Train on this author's documents (an author id such as ada-lovelace); default: every author.")
    var author: String?
    @Flag(help: "Wait until the training consumer has finished the run, then print its outcome.")
    var wait = false
    @Option(help: "Seconds to wait with --wait (at most 604800).", transform: SecondsFlag.within(0...604_800))
    var timeout: Duration = .seconds(3600)

    func run() async throws {
        let config = try global.load()
        let event = DriftDetected.manual(scope: author ?? "all")
        let id = "manual:" + UUID().uuidString
        let producer = try KafkaProducer(configuration: config.kafka)
        let report = try await producer.send(try EventCodec.record(event, topic: config.topics.drift, source: "twinlog/cli", id: id))
        await producer.shutdown()
        print("training requested: trigger \(id) → \(report.topic)[\(report.partition)] offset \(report.offset)")
        guard wait else { return }

        let db = try await PostgresConnection.connect(config.database)
        let outcome: Result<String, any Error>
        do { outcome = .success(try await waitForOutcome(of: id, db: db)) } catch { outcome = .failure(error) }
        await db.close()
        print(try outcome.get())
    }

    /// Polls `training_runs` until the trigger's last attempt finished; returns a summary line.
    private func waitForOutcome(of id: String, db: PostgresConnection) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let run = try await TrainingRun.finished(trigger: id, in: db) {
                guard run.succeeded else { throw ValidationError("the training run failed: \(run.error ?? "")") }
                return "model \(run.modelVersion ?? "?") trained on dataset \(run.datasetVersion ?? "?"): "
                    + (run.promoted ? "promoted to champion" : "not better than the champion by the margin; kept as a candidate")
            }
            try await Task.sleep(for: .seconds(1))
        }
        throw ValidationError("no outcome within \(timeout); is `twinlog run --only training` running?")
    }
}
