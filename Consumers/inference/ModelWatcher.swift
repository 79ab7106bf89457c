import Foundation
import Logging
import ServiceLifecycle
import TwinlogEvents
import TwinlogGeneration
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogRuntime

/// Follows `twin.models` and hot-swaps the inference consumer's generator when a champion is
/// published. An event is applied only when it names the base model this instance serves (its
/// SHA-256); an adapter must come with its SHA-256 and lie inside the artifacts folder (its real
/// path, symlinks and `..` resolved). The artifact is size-capped, its hash checked before it is
/// parsed, its model shape checked against the base model before anything is allocated, then it is
/// swapped in between requests. A ModelPublished without an adapter means the base model.
///
/// An event that cannot be applied (bad envelope, another base model, missing hash, a path outside
/// the folder, a missing, altered or malformed artifact, a wrong shape) is logged and skipped, and
/// the current model keeps serving. It is not dead-lettered: the watcher commits nothing and reads
/// the topic from its beginning on every start, so a letter would be repeated at each start.
///
/// The topic is compacted under the key `champion` and read from its beginning by assignment, so
/// a starting instance ends on the current champion.
public final class ModelWatcher: Service {
    /// Why a published model was not applied, when the artifact itself is not at fault.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    private let base: Generator
    private let baseModelSha256: String
    private let artifacts: ArtifactFolder
    private let inference: InferenceConsumer
    private let consumer: KafkaConsumer
    private let logger: Logger
    private let loader = BlockingExecutor(label: "twinlog.inference.model-loader")

    /// Reads every partition of the models topic from the beginning. `baseModelSha256` is the
    /// SHA-256 of `base`'s GGUF file; adapters are read only from inside `artifacts`.
    public init(kafka: KafkaConfiguration, topics: TopicCatalogue, base: Generator, baseModelSha256: String,
                artifacts: ArtifactFolder, inference: InferenceConsumer,
                logger: Logger = Logger(label: "twinlog.inference.models")) async throws {
        self.base = base
        self.baseModelSha256 = baseModelSha256.lowercased()
        self.artifacts = artifacts
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

    /// Checks, loads and swaps in one published model; throws (leaving the current model
    /// serving) when the event or its artifact is refused.
    public func apply(_ published: ModelPublished) async throws {
        guard published.baseModelSha256.lowercased() == baseModelSha256 else {
            throw Refusal(description: "model \(published.modelVersion) is built on the base model \(published.baseModelSha256), "
                + "this instance serves \(baseModelSha256)")
        }
        guard let path = published.adapterPath else {
            inference.swapModel(base, version: published.modelVersion)
            return
        }
        guard let expected = published.adapterSha256 else {
            throw Refusal(description: "model \(published.modelVersion) names the adapter \(path) without its SHA-256")
        }
        let base = self.base, artifacts = self.artifacts
        let generator = try await loader.run {
            let resolved = try artifacts.resolve(path)
            let artifact = try LoRAArtifact.load(path: resolved, expectedSha256: expected, model: ModelShape(base.model.config))
            if let named = artifact.metadata["base_model"], named.lowercased() != published.baseModelSha256.lowercased() {
                throw ArtifactError(path: path, reason: "it was trained on the base model \(named), "
                    + "the published model names \(published.baseModelSha256)")
            }
            return Generator(model: base.model, tokenizer: base.tokenizer, lora: try artifact.loraSet(for: base.model))
        }
        inference.swapModel(generator, version: published.modelVersion)
    }
}
