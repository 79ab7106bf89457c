import Foundation
import Logging
import ServiceLifecycle
import TwinlogEvents
import TwinlogGeneration
import TwinlogKafka
import TwinlogRuntime
import TwinlogTraining

/// Follows `twin.models` and hot-swaps the inference consumer's generator when a champion is
/// published: the adapter artifact is loaded, its SHA-256 checked against the event, fitted to
/// the base model, and swapped in between requests. A ModelPublished without an adapter means the
/// base model. An event that cannot be applied (bad envelope, missing or altered artifact, wrong
/// shape) is logged and leaves the current model serving.
///
/// The topic is compacted under the key `champion` and read from its beginning by assignment, so
/// a starting instance ends on the current champion.
public final class ModelWatcher: Service {
    private let base: Generator
    private let inference: InferenceConsumer
    private let consumer: KafkaConsumer
    private let logger: Logger
    private let loader = BlockingExecutor(label: "twinlog.inference.model-loader")

    /// Reads every partition of the models topic from the beginning.
    public init(kafka: KafkaConfiguration, topics: TopicCatalogue, base: Generator, inference: InferenceConsumer,
                logger: Logger = Logger(label: "twinlog.inference.models")) async throws {
        self.base = base
        self.inference = inference
        self.logger = logger
        let admin = try KafkaAdmin(configuration: kafka)
        let partitions = try await admin.endOffsets(topic: topics.models).keys
        await admin.close()
        var options = KafkaConsumer.Options(groupId: "twinlog.inference.models.\(UUID().uuidString)")
        options.fetchMaxWait = .milliseconds(100)
        consumer = try KafkaConsumer(configuration: kafka, options: options,
                                     assign: Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaOffset.beginning) }))
    }

    /// Applies published models until the task is cancelled or a graceful shutdown begins.
    public func run() async throws {
        do {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                for record in try await consumer.poll(maxRecords: 100, timeout: .milliseconds(500)) {
                    do {
                        try await apply(EventCodec.decode(record, as: ModelPublished.self).event)
                    } catch {
                        logger.error("a published model was not applied; the current one keeps serving",
                                     metadata: ["offset": "\(record.offset)", "error": "\(error)"])
                    }
                }
            }
        } catch is CancellationError {}
        await consumer.close()
    }

    /// Loads and swaps in one published model.
    public func apply(_ published: ModelPublished) async throws {
        guard let path = published.adapterPath else {
            inference.swapModel(base, version: published.modelVersion)
            return
        }
        let base = self.base
        let generator = try await loader.run {
            let artifact = try LoRAArtifact.load(path: path)
            if let expected = published.adapterSha256, artifact.contentHash != expected {
                throw TrainingError.invalidArtifact(path: path, reason: "its SHA-256 is \(artifact.contentHash ?? "unknown"), "
                    + "the published model names \(expected)")
            }
            return Generator(model: base.model, tokenizer: base.tokenizer, lora: try artifact.loraSet(for: base.model))
        }
        inference.swapModel(generator, version: published.modelVersion)
    }
}
