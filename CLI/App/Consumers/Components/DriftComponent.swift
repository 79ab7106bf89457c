import DriftConsumer
import TwinlogSink

extension ConsumerComponent {
    /// `twin.chunks` and `twin.models` → DriftDetected on `twin.drift` when new content drifts
    /// away from what the champion was trained on.
    public static let drift = ConsumerComponent(name: "drift", summary: "test new chunks against the champion's data; DriftDetected on twin.drift") { settings in
        var configuration = DriftMonitor.Configuration(kafka: settings.kafka, database: settings.database, topics: settings.topics)
        configuration.consumer = settings.consumerOptions(DriftMonitor.consumerName)
        configuration.authorId = settings.twinAuthor
        return StartedComponent(services: [try await DriftMonitor(configuration)])
    }
}
