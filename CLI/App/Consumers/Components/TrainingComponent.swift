import TrainingConsumer
import TwinlogSink

extension ConsumerComponent {
    /// `twin.drift` → dataset, LoRA candidate, evaluation, registry; ModelPublished on promotion.
    public static let training = ConsumerComponent(name: "training", summary: "regenerate the dataset, train, evaluate and promote on DriftDetected") { settings in
        var configuration = TrainingConsumer.Configuration(kafka: settings.kafka, database: settings.database, topics: settings.topics,
                                                           settings: settings.training)
        configuration.consumer = settings.consumerOptions(TrainingConsumer.consumerName)
        let consumer = try await TrainingConsumer(configuration, generator: try await settings.models.generator(),
                                                  embedder: try await settings.models.embedder(),
                                                  baseModelSha256: try await settings.models.generatorSHA256())
        return StartedComponent(services: [consumer])
    }
}
