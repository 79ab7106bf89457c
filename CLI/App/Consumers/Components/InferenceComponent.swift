import IndexConsumer
import InferenceConsumer

extension ConsumerComponent {
    /// `twin.queries` → RAG answers on each request's reply topic, from a full index replica, with
    /// the champion model hot-swapped from `twin.models`.
    public static let inference = ConsumerComponent(name: "inference", summary: "answer twin.queries with RAG over a full index replica") { settings in
        // Every inference instance holds a full index replica, read from the chunk topic's
        // beginning by assignment (no group); it writes no snapshots (the index component owns
        // those), and replaying the topic never runs the embedder.
        let replica = try await IndexMaterializer(IndexMaterializer.Configuration(kafka: settings.kafka, topics: settings.topics), resume: false)
        var configuration = InferenceConsumer.Configuration(kafka: settings.kafka, topics: settings.topics)
        configuration.consumer = settings.consumerOptions(InferenceConsumer.consumerName)
        let generator = try await settings.models.generator()
        let consumer = try InferenceConsumer(configuration, index: replica.index, embedder: try await settings.models.embedder(), generator: generator)
        let models = try await ModelWatcher(kafka: settings.kafka, topics: settings.topics, base: generator, inference: consumer)
        return StartedComponent(services: [replica, models, consumer], index: replica.index)
    }
}
