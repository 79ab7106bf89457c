import FeatureConsumer
import TwinlogSink

extension ConsumerComponent {
    /// `twin.warehouse.changes` → re-chunked, re-embedded `twin.chunks`.
    public static let features = ConsumerComponent(name: "features", summary: "re-chunk and re-embed what changed into twin.chunks") { settings in
        var configuration = FeatureConsumer.Configuration(kafka: settings.kafka, database: settings.database, topics: settings.topics)
        configuration.consumer = settings.consumerOptions(FeatureConsumer.consumerName)
        configuration.chunking = settings.chunking
        return StartedComponent(services: [try await FeatureConsumer(configuration, embedder: try await settings.models.embedder())])
    }
}
