import Foundation
import Logging
import Metrics
import ServiceLifecycle
import TwinlogDataset
import TwinlogEmbedding
import TwinlogEvents
import TwinlogGeneration
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogRuntime
import TwinlogSink
import TwinlogText
import TwinlogTraining

/// How a training run is made and judged; recorded with every model it produces.
public struct TrainingSettings: Sendable {
    /// The supervised LoRA run.
    public var training: TrainingConfiguration
    /// DPO steps on the preference pairs after the supervised run (0: no DPO stage).
    public var preferenceSteps: Int
    public var preferenceBeta: Float
    public var recipe: DatasetRecipe
    /// The base model's answers for preference pairs are cut at this many tokens.
    public var rejectedMaxTokens: Int
    /// A candidate is promoted only when its held-out perplexity is at most the champion's
    /// (the base model's when there is none) × (1 − margin).
    public var promotionMargin: Double
    /// Eval instructions answered to measure style similarity, and the answers' length.
    public var styleSamples: Int
    public var styleMaxTokens: Int
    public var threads: Int
    /// Attempts of one trigger that a dying process may cost before the trigger is given up.
    public var maxAttempts: Int
    /// Datasets, adapters and run checkpoints go under this folder.
    public var artifactsDirectory: String

    public init(training: TrainingConfiguration = TrainingConfiguration(
                    lora: LoRAConfiguration(rank: 8, alpha: 16, dropout: 0.05, targets: [.query, .value]), steps: 60, batchSize: 8,
                    maxSequenceLength: 256, learningRate: 1e-3, warmupSteps: 5, seed: 1),
                preferenceSteps: Int = 0, preferenceBeta: Float = 0.1, recipe: DatasetRecipe = DatasetRecipe(),
                rejectedMaxTokens: Int = 48, promotionMargin: Double = 0.02, styleSamples: Int = 4, styleMaxTokens: Int = 32,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, maxAttempts: Int = 2,
                artifactsDirectory: String = ".twinlog/artifacts") {
        self.training = training
        self.preferenceSteps = preferenceSteps
        self.preferenceBeta = preferenceBeta
        self.recipe = recipe
        self.rejectedMaxTokens = rejectedMaxTokens
        self.promotionMargin = promotionMargin
        self.styleSamples = styleSamples
        self.styleMaxTokens = styleMaxTokens
        self.threads = threads
        self.maxAttempts = maxAttempts
        self.artifactsDirectory = artifactsDirectory
    }
}

/// Reacts to DriftDetected: regenerates the dataset, trains a LoRA candidate, evaluates it against
/// the base model and the champion, registers it, and promotes it when it is better by the margin.
///
/// Runs are recorded in `training_runs`. A run that throws (a NaN loss, an empty dataset, a broken
/// artifact) is recorded as failed with its error, and the champion is untouched. A process that
/// dies mid-run leaves its row `running`; the next process to read the trigger marks it failed
/// (interrupted) and tries again, resuming from the run's checkpoint, up to `maxAttempts`.
///
/// The drift topic has one partition and is read by assignment (one training instance at a time),
/// from the offset stored in PostgreSQL with the run's outcome; the registry change, the run's
/// row and the offset commit together, and the events they announce leave through the outbox.
/// Reacts to DriftDetected: regenerates the dataset, trains a LoRA candidate, evaluates it against
/// the base model and the champion, registers it, and promotes it when it is better by the margin.
///
/// Runs are recorded in `training_runs`. A run that throws (a NaN loss, an empty dataset, a broken
/// artifact) is recorded as failed with its error, and the champion is untouched. A process that
/// dies mid-run leaves its row `running`; the next process to read the trigger marks it failed
/// (interrupted) and tries again, resuming from the run's checkpoint, up to `maxAttempts`.
///
/// The drift topic has one partition and is read by assignment (one training instance at a time),
/// from the offset stored in PostgreSQL with the run's outcome; the registry change, the run's
/// row and the offset commit together, and the events they announce leave through the outbox.
public final class TrainingConsumer: Service {
    /// What the consumer connects to and how it trains.
    public struct Configuration: ConsumerConfiguration {
        /// The broker, topics, client name (`twinlog.training`: the drift topic is read by
        /// assignment and offsets are stored in PostgreSQL) and observers; one trigger per batch.
        public var common: ConsumerSettings
        public var database: PostgresConnection.Options
        public var settings: TrainingSettings

        public init(kafka: KafkaConfiguration, database: PostgresConnection.Options, topics: TopicCatalogue,
                    settings: TrainingSettings = TrainingSettings()) {
            common = ConsumerSettings(name: TrainingConsumer.consumerName, kafka: kafka, topics: topics, maxBatch: 1,
                                      pollTimeout: .milliseconds(500))
            self.database = database
            self.settings = settings
        }
    }

    /// What handling one trigger did.
    public enum Outcome: Sendable, Equatable {
        /// A candidate was trained and registered; `promoted` says whether it became champion.
        case trained(modelVersion: String, datasetVersion: String, promoted: Bool)
        case failed(String)
        /// The trigger was handled before (or gave up after too many interrupted attempts).
        case skipped
        case deadLettered
    }

    public static let consumerName = "training"

    private let runner: TrainingRunner
    private let runtime: ConsumerRuntime<TriggerHandler>

    /// Connects, publishes what the outbox holds, and reads the drift topic from the stored offset.
    /// `trainer` defaults to one over `generator`'s model; `baseModelSha256` names that model.
    public init(_ configuration: Configuration, generator: Generator, embedder: Embedder, baseModelSha256: String,
                trainer: LoRATrainer? = nil) async throws {
        let producer = try KafkaProducer(configuration: configuration.kafka)
        runner = try await TrainingRunner(configuration, producer: producer, generator: generator, embedder: embedder,
                                          baseModelSha256: baseModelSha256, trainer: trainer)
        runtime = try ConsumerRuntime(settings: configuration.common, source: .assigned(try await runner.startOffsets()),
                                      handler: TriggerHandler(runner: runner), producer: producer)
    }

    /// Handles triggers one at a time until the task is cancelled or a graceful shutdown begins.
    /// A run in progress is finished first (training cannot stop half-way); a process killed
    /// during a run leaves it to the next start, which resumes from the run's checkpoint.
    public func run() async throws { try await runtime.run() }

    /// Polls for one trigger and handles it; nil when none arrived.
    public func step(timeout: Duration = .milliseconds(500)) async throws -> Outcome? {
        let outcome = try await runtime.step(timeout: timeout)
        guard outcome.records > 0 else { return nil }
        return outcome.deadLettered > 0 ? .deadLettered : outcome.result ?? .skipped
    }

    /// Closes the clients and the database connection.
    public func shutdown() async { await runtime.shutdown() }
}

/// What handling a trigger takes: the warehouse, the registry and outbox, the dataset
/// regenerator, the trainer and the evaluation of its candidate.
final class TrainingRunner: Sendable {

    private let configuration: TrainingConsumer.Configuration
    let db: PostgresConnection
    let producer: KafkaProducer
    private let offsets = PostgresOffsetStore(consumer: TrainingConsumer.consumerName)
    private let outbox = PostgresOutbox()
    private let registry: ModelRegistry
    private let regenerator: DatasetRegenerator
    private let generator: Generator
    private let trainer: LoRATrainer
    private let embedder: Embedder
    private let baseModelSha256: String
    /// `settings.artifactsDirectory` made absolute: ModelPublished names adapters by path, and
    /// inference processes run from other working directories.
    private let artifactsDirectory: String
    private let executor = BlockingExecutor(label: "twinlog.training.evaluate")
    private let progress: (loss: Gauge, tokensPerSecond: Gauge, step: Gauge, eta: Gauge, runs: Counter, failures: Counter)

    /// Connects (applying pending migrations) and publishes what the outbox holds.
    init(_ configuration: TrainingConsumer.Configuration, producer: KafkaProducer, generator: Generator, embedder: Embedder,
         baseModelSha256: String, trainer: LoRATrainer?) async throws {
        self.configuration = configuration
        self.producer = producer
        self.generator = generator
        self.embedder = embedder
        self.baseModelSha256 = baseModelSha256
        self.trainer = try trainer ?? LoRATrainer(model: generator.model, tokenizer: generator.tokenizer, logger: configuration.logger)
        registry = ModelRegistry(topics: configuration.topics)
        artifactsDirectory = URL(fileURLWithPath: configuration.settings.artifactsDirectory).standardizedFileURL.path
        regenerator = DatasetRegenerator(chunker: Chunker(tokenizer: embedder.tokenizer), builder: DatasetBuilder(recipe: configuration.settings.recipe),
                                         artifactsDirectory: artifactsDirectory, topics: configuration.topics)
        let db = try await WarehouseSchema.connect(configuration.database)
        self.db = db
        let factory = configuration.metrics
        progress = (Gauge(label: "twinlog_training_loss", factory: factory),
                    Gauge(label: "twinlog_training_tokens_per_second", factory: factory),
                    Gauge(label: "twinlog_training_step", factory: factory),
                    Gauge(label: "twinlog_training_eta_seconds", factory: factory),
                    Counter(label: "twinlog_training_runs_total", factory: factory),
                    Counter(label: "twinlog_training_failures_total", factory: factory))
        try await outbox.flush(db, producer: producer)
    }

    /// Where reading the drift topic starts: each partition's stored offset, or its beginning.
    func startOffsets() async throws -> [TopicPartition: Int64] {
        let admin = try KafkaAdmin(configuration: configuration.kafka)
        let partitions = try await admin.endOffsets(topic: configuration.topics.drift).keys
        await admin.close()
        let stored = try await offsets.load(db, partitions: Array(partitions))
        return Dictionary(uniqueKeysWithValues: partitions.map { ($0, stored[$0] ?? KafkaOffset.beginning) })
    }

    /// The stored offsets of the drift topic's partitions.
    func storedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        try await offsets.load(db, partitions: partitions)
    }

    /// Stores `next` alone: a batch with no trigger (a record dead-lettered).
    func skip(to next: [TopicPartition: Int64]) async throws {
        try await db.transaction { db in try await offsets.save(db, next) }
    }

    /// Handles one trigger; `next` is stored with its outcome.
    func handle(_ received: ReceivedEvent<DriftDetected>, next: [TopicPartition: Int64]) async throws -> TrainingConsumer.Outcome {
        let trigger = received.envelope.id
        guard let attempt = try await beginAttempt(trigger: trigger) else {
            try await db.transaction { db in try await offsets.save(db, next) }
            return .skipped
        }
        let runId = "\(trigger)#\(attempt)"
        configuration.logger.notice("training run started", metadata: [
            "run": "\(runId)", "trigger": "\(received.event.trigger.rawValue)", "scope": "\(received.event.scope)"])
        progress.runs.increment()
        do {
            let (entry, promote) = try await train(for: received.event, trigger: trigger)
            try await db.transaction { db in
                try await registry.register(entry, in: db)
                if promote { try await registry.promote(entry.version, in: db) }
                try await db.execute("""
                    UPDATE training_runs SET status = 'succeeded', dataset_version = \(entry.datasetVersion),
                           model_version = \(entry.version), promoted = \(promote), finished_at = now()
                    WHERE run_id = \(runId)
                    """)
                try await offsets.save(db, next)
            }
            try await outbox.flush(db, producer: producer)
            configuration.logger.notice("training run finished", metadata: [
                "run": "\(runId)", "model": "\(entry.version)", "promoted": "\(promote)",
                "perplexity": "\(entry.metrics["eval_perplexity"] ?? .nan)",
                "champion_perplexity": "\(entry.metrics["eval_perplexity_champion"] ?? .nan)"])
            return .trained(modelVersion: entry.version, datasetVersion: entry.datasetVersion ?? "", promoted: promote)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            progress.failures.increment()
            configuration.logger.error("training run failed; the champion is unchanged", metadata: ["run": "\(runId)", "error": "\(error)"])
            try await db.transaction { db in
                try await db.execute("""
                    UPDATE training_runs SET status = 'failed', error = \(String(describing: error)), finished_at = now()
                    WHERE run_id = \(runId)
                    """)
                try await offsets.save(db, next)
            }
            try await outbox.flush(db, producer: producer)
            return .failed("\(error)")
        }
    }

    /// Records a new attempt of `trigger` as running and returns its number, or nil when the
    /// trigger was already handled or has used up its attempts. Rows a dead process left running
    /// are marked failed (interrupted) first.
    private func beginAttempt(trigger: String) async throws -> Int? {
        try await db.transaction { db in
            try await db.execute("""
                UPDATE training_runs SET status = 'failed', error = 'interrupted: the process stopped during the run', finished_at = now()
                WHERE trigger_id = \(trigger) AND status = 'running'
                """)
            let rows = try await db.query("SELECT status, error FROM training_runs WHERE trigger_id = \(trigger)")
            let interrupted = try rows.filter { try $0.decodeIfPresent(String.self, "error")?.hasPrefix("interrupted") == true }.count
            guard interrupted == rows.count, interrupted < configuration.settings.maxAttempts else { return nil }
            let attempt = rows.count + 1
            try await db.execute("""
                INSERT INTO training_runs (run_id, trigger_id, attempt, status) VALUES (\("\(trigger)#\(attempt)"), \(trigger), \(attempt), 'running')
                """)
            return attempt
        }
    }

    /// Dataset → training → evaluation; returns the registry entry and whether to promote it.
    private func train(for event: DriftDetected, trigger: String) async throws -> (ModelRegistry.Entry, Bool) {
        let settings = configuration.settings
        let generator = self.generator
        let rejectedLimits = GenerationLimits(maxTokens: settings.rejectedMaxTokens)
        let systemMessage = settings.training.systemMessage
        let answer: (@Sendable (String) throws -> String)? = settings.preferenceSteps > 0 ? { @Sendable instruction in
            try generator.generate(promptIDs: Self.prompt(instruction, systemMessage: systemMessage, tokenizer: generator.tokenizer),
                                   limits: rejectedLimits).text
        } : nil
        let clock = ContinuousClock(), started = clock.now
        let dataset = try await regenerator.regenerate(db, scope: event.scope, triggerId: trigger, answer: answer)
        let datasetDone = clock.now
        try await outbox.flush(db, producer: producer)
        let train = dataset.artifact.dataset.train.map(\.instructionSample)
        let eval = dataset.artifact.dataset.eval.map(\.instructionSample)

        let checkpoints = artifactsDirectory + "/runs/" + Self.fileName(trigger)
        let options = TrainingRunOptions(threads: settings.threads, checkpointDirectory: checkpoints, checkpointEvery: 10,
                                         logEvery: 5, baseModelHash: baseModelSha256)
        let gauges = progress
        let result = try await trainer.train(train, configuration: settings.training, options: options) { step in
            gauges.loss.record(step.loss)
            gauges.tokensPerSecond.record(step.tokensPerSecond)
            gauges.step.record(step.step)
            gauges.eta.record(step.etaSeconds)
        }
        var parameters = result.parameters
        if settings.preferenceSteps > 0, !dataset.artifact.dataset.preferences.isEmpty {
            let preference = { var c = settings.training; c.steps = settings.preferenceSteps; return c }()
            let trainer = self.trainer, pairs = dataset.artifact.dataset.preferences, beta = settings.preferenceBeta
            let initial = parameters, threads = settings.threads
            parameters = try await executor.run {
                try trainer.trainPreferences(pairs, initial: initial, beta: beta, configuration: preference,
                                             options: TrainingRunOptions(threads: threads, logEvery: 0)).parameters
            }
        }

        let trainingDone = clock.now
        let champion = try await registry.champion(db)
        let metrics = try await evaluate(candidate: parameters, champion: champion, eval: eval)
        var all = metrics
        all["seconds_dataset"] = (datasetDone - started).inSeconds
        all["seconds_training"] = (trainingDone - datasetDone).inSeconds
        all["seconds_evaluation"] = (clock.now - trainingDone).inSeconds
        all["train_final_loss"] = result.losses.last
        // Fewer than the configured steps when this attempt resumed an interrupted one's checkpoint.
        all["train_steps_this_attempt"] = Double(result.losses.count)
        all["train_tokens_per_second"] = result.tokensPerSecond
        all["train_samples"] = Double(train.count)
        all["eval_samples"] = Double(eval.count)

        // Adapters are content-addressed: written under the run's name, then renamed to their hash.
        let metadata = result.artifact(metadata: ["base_model": baseModelSha256, "dataset": dataset.artifact.version]).metadata
        let adapters = artifactsDirectory + "/adapters"
        try FileManager.default.createDirectory(atPath: adapters, withIntermediateDirectories: true)
        let staging = adapters + "/" + Self.fileName(trigger) + ".partial.twlt"
        let hash = try LoRAArtifact(parameters: parameters, metadata: metadata).write(to: staging).contentHash ?? ""
        let final = adapters + "/" + hash + ".twlt"
        try? FileManager.default.removeItem(atPath: final)
        try FileManager.default.moveItem(atPath: staging, toPath: final)
        try? FileManager.default.removeItem(atPath: checkpoints)

        let c = settings.training
        let hyperparameters = [
            "rank": String(c.lora.rank), "alpha": String(c.lora.alpha), "dropout": String(c.lora.dropout),
            "targets": c.lora.targets.map(\.rawValue).sorted().joined(separator: ","), "steps": String(c.steps),
            "batch_size": String(c.batchSize), "max_sequence_length": String(c.maxSequenceLength),
            "learning_rate": String(c.learningRate), "warmup_steps": String(c.warmupSteps), "seed": String(c.seed),
            "preference_steps": String(settings.preferenceSteps),
        ]
        let entry = ModelRegistry.Entry(version: "m-" + hash.prefix(12), baseModelSha256: baseModelSha256, adapterPath: final,
                                        adapterSha256: hash, datasetVersion: dataset.artifact.version,
                                        hyperparameters: hyperparameters, metrics: all)
        let bar = (metrics["eval_perplexity_champion"] ?? metrics["eval_perplexity_base"]!) * (1 - settings.promotionMargin)
        return (entry, metrics["eval_perplexity"]! <= bar)
    }

    /// Held-out perplexity of the base model, the candidate and the champion, and the style
    /// similarity of the candidate's and the champion's answers (all off the cooperative pool).
    private func evaluate(candidate: LoRAParameters, champion: ModelRegistry.Entry?, eval: [InstructionSample]) async throws -> [String: Double] {
        let settings = configuration.settings
        let trainer = self.trainer, threads = settings.threads, length = settings.training.maxSequenceLength
        let system = settings.training.systemMessage
        let championParameters = try champion?.adapterPath.map { try LoRAArtifact.load(path: $0).parameters }
        var metrics = try await executor.run { () throws -> [String: Double] in
            var metrics: [String: Double] = [:]
            metrics["eval_perplexity_base"] = try trainer.evaluate(eval, parameters: nil, maxSequenceLength: length,
                                                                   systemMessage: system, threads: threads).perplexity
            metrics["eval_perplexity"] = try trainer.evaluate(eval, parameters: candidate, maxSequenceLength: length,
                                                              systemMessage: system, threads: threads).perplexity
            if let championParameters {
                metrics["eval_perplexity_champion"] = try trainer.evaluate(eval, parameters: championParameters, maxSequenceLength: length,
                                                                           systemMessage: system, threads: threads).perplexity
            }
            return metrics
        }
        let styleSet = Array(eval.prefix(settings.styleSamples))
        if !styleSet.isEmpty {
            metrics["style_similarity"] = try await StyleSimilarity.evaluate(
                styleSet, generator: generator, lora: try candidate.loraSet(for: generator.model), embedder: embedder,
                maxTokens: settings.styleMaxTokens, systemMessage: system)
            if let championParameters {
                metrics["style_similarity_champion"] = try await StyleSimilarity.evaluate(
                    styleSet, generator: generator, lora: try championParameters.loraSet(for: generator.model), embedder: embedder,
                    maxTokens: settings.styleMaxTokens, systemMessage: system)
            }
        }
        return metrics
    }

    static func prompt(_ instruction: String, systemMessage: String?, tokenizer: Tokenizer) throws -> [Int] {
        var messages = [ChatMessage(role: .user, content: instruction)]
        if let systemMessage { messages.insert(ChatMessage(role: .system, content: systemMessage), at: 0) }
        return try ChatTemplate.encode(messages, with: tokenizer)
    }

    /// A trigger id as a file name.
    static func fileName(_ trigger: String) -> String {
        String(trigger.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }
}

/// The training consumer's handler: a record is a DriftDetected, and a batch (of at most one) a
/// training run recorded with the offset.
private struct TriggerHandler: ConsumerHandler {
    /// The result of the trigger the batch held, if it held one.
    struct Outcome: ConsumerOutcome {
        var result: TrainingConsumer.Outcome?
        mutating func merge(_ other: Outcome) { result = other.result ?? result }
    }

    let runner: TrainingRunner

    func close() async { await runner.db.close() }

    func decode(_ record: KafkaRecord) throws -> ReceivedEvent<DriftDetected>? {
        try EventCodec.decode(record, as: DriftDetected.self)
    }

    func storedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        try await runner.storedOffsets(partitions)
    }

    func apply(_ batch: ConsumerBatch<ReceivedEvent<DriftDetected>>) async throws -> Outcome {
        var outcome = Outcome()
        guard let trigger = batch.inputs.first?.input else {
            try await runner.skip(to: batch.nextOffsets)
            return outcome
        }
        outcome.result = try await runner.handle(trigger, next: batch.nextOffsets)
        return outcome
    }
}
