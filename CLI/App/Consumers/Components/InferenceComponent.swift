import Foundation
import IndexConsumer
import InferenceConsumer
import TrainingConsumer
import TwinlogConfig
import TwinlogGeneration
import TwinlogSink
import TwinlogTraining

extension ConsumerComponent {
    /// `twin.queries` → RAG answers on each request's reply topic, from a full index replica, with
    /// the champion model hot-swapped from `twin.models`.
    public static let inference = ConsumerComponent(name: "inference", summary: "answer twin.queries with RAG over a full index replica") { settings in
        // Every inference instance holds a full index replica, read from the chunk topic by
        // assignment (no group): it starts from the index component's snapshot when there is one
        // (and from the beginning when not), writes none, and never runs the embedder.
        var replicaConfiguration = IndexMaterializer.Configuration(kafka: settings.kafka, topics: settings.topics,
                                                                   snapshotPath: settings.indexSnapshot)
        replicaConfiguration.writesSnapshots = false
        let replica = try await IndexMaterializer(replicaConfiguration)
        var configuration = InferenceConsumer.Configuration(kafka: settings.kafka, topics: settings.topics)
        configuration.consumer = settings.consumerOptions(InferenceConsumer.consumerName)
        configuration.retrieval = settings.retrieval
        configuration.prompt = settings.answerPrompt
        configuration.grounding = settings.grounding
        configuration.replyTopicPrefix = settings.config.allowedReplyTopicPrefix
        let generator = try await settings.models.answerGenerator()
        let consumer = try InferenceConsumer(configuration, index: replica.index, embedder: try await settings.models.embedder(), generator: generator)
        // Published adapters are read only from inside the artifacts folder the training consumer writes.
        try FileManager.default.createDirectory(atPath: settings.training.artifactsDirectory, withIntermediateDirectories: true)
        let models = try await ModelWatcher(kafka: settings.kafka, topics: settings.topics, base: generator,
                                            baseModelSha256: try await settings.models.answerGeneratorSHA256(),
                                            artifacts: try ArtifactFolder(path: settings.training.artifactsDirectory), inference: consumer)
        return StartedComponent(services: [replica, models, consumer], index: replica.index)
    }
}
