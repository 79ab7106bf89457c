import Foundation
import TrainingConsumer
import TwinlogConfig
import TwinlogEvents
import TwinlogGeneration
import TwinlogTraining

/// What a demo run uses: the configuration (brokers, database, security), the namespace that
/// holds everything the run creates, the work folder (sample repository, index snapshot, training
/// artifacts), the models, the training run, and how answers are asked for.
public struct DemoSettings: Sendable {
    /// Topic prefix `<namespace>.` and warehouse schema `<namespace>`.
    public let namespace: String
    /// `config` with the namespace's topic prefix and schema.
    public let config: TwinlogConfiguration
    public var workDirectory: URL
    public var models: ModelStore
    /// Tokens generated per answer.
    public var maxTokens = 96
    /// Ask for the sources only, without generated answers.
    public var retrievalOnly = false
    /// Chunks retrieved per question.
    public var k = 5
    /// How long the index may take to catch up with the crawl.
    public var catchUpTimeout: Duration = .seconds(600)
    /// How long one question may wait for its answer.
    public var answerTimeout: Duration = .seconds(300)
    /// The demo's training run: short, so the demo shows the loop in a minute or two rather than
    /// training a good twin (`twinlog run` trains on the full settings).
    public var training = TrainingSettings(
        training: TrainingConfiguration(lora: LoRAConfiguration(rank: 8, alpha: 16, targets: [.query, .value]), steps: 12, batchSize: 4,
                                        maxSequenceLength: 128, learningRate: 2e-3, warmupSteps: 2, seed: 1),
        styleSamples: 2, styleMaxTokens: 16)
    /// How long the training run may take.
    public var trainingTimeout: Duration = .seconds(1800)

    /// `namespace` is lowercase letters, digits and `_`, starting with a letter (it names a schema).
    public init(config: TwinlogConfiguration, namespace: String = "demo", workDirectory: URL, models: ModelStore = ModelStore()) throws(DemoError) {
        guard namespace.range(of: "^[a-z][a-z0-9_]{0,40}$", options: .regularExpression) != nil else {
            throw DemoError("the demo namespace must be lowercase letters, digits and _, starting with a letter (got \(namespace.debugDescription))")
        }
        var config = config
        config.topicPrefix = namespace + "."
        config.databaseSchema = namespace
        self.namespace = namespace
        self.config = config
        self.workDirectory = workDirectory
        self.models = models
    }

    /// The consumers' settings: the namespace's topics and schema, the index snapshot in the work folder.
    public var processSettings: ProcessSettings {
        var settings = ProcessSettings(config: config, models: models,
                                        indexSnapshot: workDirectory.appendingPathComponent("index").appendingPathComponent(config.topics.chunks + ".hnsw"))
        settings.training = training
        settings.training.artifactsDirectory = workDirectory.appendingPathComponent("artifacts").path
        return settings
    }
}
