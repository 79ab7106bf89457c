import ArgumentParser
import FeatureConsumer
import Foundation
import Logging
import TrainingConsumer
import TwinlogApp
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogMetrics
import TwinlogRAG
import TwinlogTraining

/// Runs Twinlog's consumers in this process as services of one ServiceGroup until SIGINT or
/// SIGTERM, then shuts them down gracefully (stop fetching, finish the batch in flight, commit,
/// leave the group, close connections).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the consumers until interrupted.",
        discussion: "Consumers (--only):\n" + ConsumerComponent.all.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n"))

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated consumers to run (available: \(ConsumerComponent.all.map(\.name).joined(separator: ", "))).")
    var only: String?
    @Option(name: .customLong("index-snapshot"), help: "The index snapshot file (default .twinlog/index/<chunk topic>.hnsw).")
    var indexSnapshot: String?
    @Option(name: .customLong("snapshot-interval"), help: "Seconds between index snapshots while chunks arrive (at most 86400).",
            transform: SecondsFlag.within(0...86_400))
    var snapshotInterval: Duration = .seconds(60)
    @Option(name: .customLong("embedder-model"), help: "The all-MiniLM-L6-v2 folder (default: found in .twinlog/venv).")
    var embedderModel: String?
    @Option(name: .customLong("generator-model"), help: "The SmolLM2 GGUF file, the voice model training adapts (default: found in .twinlog/venv).")
    var generatorModel: String?
    @Option(name: .customLong("answer-model"),
            help: "A GGUF file the inference consumer answers with, e.g. a Qwen2.5 Q4_K_M (default: the voice model; key answerModel).")
    var answerModel: String?
    @Option(name: .customLong("metrics-file"),
            help: "Write the Prometheus text exposition of the metrics to this file every 5 s (for node_exporter's textfile collector).")
    var metricsFile: String?
    @Option(help: "The author the twin speaks for (an author id): the drift monitor watches their chunks; default: every author.")
    var author: String?
    @Option(help: "Where the training consumer keeps datasets, adapters and run checkpoints.")
    var artifacts = ".twinlog/artifacts"
    @Option(name: .customLong("training-steps"), help: "Optimizer steps of a training run (default: 60).")
    var trainingSteps: Int?
    @Option(name: .customLong("training-max-length"), help: "Tokens per training sequence at most (default: 256).")
    var trainingMaxLength: Int?
    @Option(name: .customLong("preference-steps"), help: "DPO steps on the preference pairs after the supervised run (default: 0, no DPO).")
    var preferenceSteps = 0
    @Option(help: ArgumentHelp("How the feature consumer chunks: \(ChunkingScheme.Style.allCases.map(\.rawValue).joined(separator: ", ")) (default \(ChunkingScheme.current.style.rawValue)); for evaluation.",
                               valueName: "scheme"))
    var chunking: ChunkingScheme.Style?
    @Option(name: .customLong("retrieval-without"),
            help: ArgumentHelp("Comma-separated retrieval steps to switch off, for evaluation: \(RetrievalStep.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "steps"))
    var retrievalWithout: String?
    @Option(name: .customLong("fusion"), help: "How dense and BM25 scores combine: weighted or rrf (default weighted).")
    var fusion: RetrievalOptions.Fusion?
    @Option(name: .customLong("semantic-weight"), help: "The cosine share of the weighted fusion, 0–1 (default 0.7).")
    var semanticWeight: Double?
    @Option(name: .customLong("source-boost"), help: "What chunks of a source the question names gain, 0–1 (default 0.1).")
    var sourceBoost: Double?
    @Option(name: .customLong("context-tokens"),
            help: "The most prompt tokens an answer's retrieved context may take (default \(AnswerPrompt().contextTokenBudget)).")
    var contextTokens: Int?
    @Option(name: .customLong("quote-length"),
            help: "The most characters an evidence quote may take, 20–4000 (default \(EvidenceSelector().maxQuoteLength)); for evaluation.")
    var quoteLength: Int?
    @Option(name: .customLong("embedded-units"),
            help: "How many of the lexically best lines and sentences evidence selection embeds, 1–1000 (default \(EvidenceSelector().maxEmbeddedUnits)); for evaluation.")
    var embeddedUnits: Int?
    @Flag(name: .customLong("no-name-check"),
          help: "Answers skip the check that the sources mention the names the question asks about, in one document (for evaluation).")
    var noNameCheck = false
    @Flag(name: .customLong("no-value-check"),
          help: "Answers skip the check that the quotes hold the kind of value the question asks for: a number, model id, image, CI runner, environment variable or make target (for evaluation).")
    var noValueCheck = false
    @Option(name: .customLong("reply-topic-prefix"),
            help: "Topics the inference consumer may reply to start with this (default: <topic prefix>twin.replies; key replyTopicPrefix).")
    var replyTopicPrefix: String?
    @Option(name: .customLong("shutdown-timeout"),
            help: "Seconds a graceful shutdown may take before the consumers are cancelled (their batch in flight is redone by the next run; at most 86400).",
            transform: SecondsFlag.within(0...86_400))
    var shutdownTimeout: Duration = .seconds(120)

    func validate() throws {
        if let only {
            do { _ = try ConsumerComponent.named(only) } catch { throw ValidationError("\(error)") }
        }
        if let trainingSteps, trainingSteps <= 0 { throw ValidationError("--training-steps must be positive") }
        if let trainingMaxLength, trainingMaxLength < 2 { throw ValidationError("--training-max-length must be at least 2") }
        if preferenceSteps < 0 { throw ValidationError("--preference-steps must be ≥ 0") }
        if let contextTokens, !(1...100_000).contains(contextTokens) { throw ValidationError("--context-tokens must be 1–100000, got \(contextTokens)") }
        if let quoteLength, !(20...4000).contains(quoteLength) { throw ValidationError("--quote-length must be 20–4000, got \(quoteLength)") }
        if let embeddedUnits, !(1...1000).contains(embeddedUnits) { throw ValidationError("--embedded-units must be 1–1000, got \(embeddedUnits)") }
        _ = try retrievalOptions()
    }

    func run() async throws {
        var flags: [String: String] = [:]
        flags["replyTopicPrefix"] = replyTopicPrefix
        flags["answerModel"] = answerModel
        let config = try global.load(commandFlags: flags)
        TwinlogMetrics.bootstrap()
        let selected = try only.map { try ConsumerComponent.named($0) } ?? ConsumerComponent.all
        var settings = ProcessSettings(config: config, models: ModelStore(embedderPath: embedderModel, generatorPath: generatorModel,
                                                                                answerModelPath: config.answerModel),
                                        indexSnapshot: indexSnapshot.map { URL(fileURLWithPath: $0) })
        settings.snapshotInterval = snapshotInterval
        settings.twinAuthor = author
        settings.training.artifactsDirectory = artifacts
        settings.training.preferenceSteps = preferenceSteps
        if let trainingSteps { settings.training.training.steps = trainingSteps }
        if let trainingMaxLength { settings.training.training.maxSequenceLength = trainingMaxLength }
        settings.retrieval = try retrievalOptions()
        if let contextTokens { settings.answerPrompt.contextTokenBudget = contextTokens }
        settings.grounding.checksNames = !noNameCheck
        settings.grounding.checksAskedValue = !noValueCheck
        if let quoteLength { settings.grounding.evidence.maxQuoteLength = quoteLength }
        if let embeddedUnits { settings.grounding.evidence.maxEmbeddedUnits = embeddedUnits }
        if let chunking { settings.chunking = ChunkingScheme(chunking) }
        let logger = Logger(label: "twinlog.run")
        // A fresh namespace has no topics yet: create the catalogue's (existing ones stay as they
        // are), or wait for them when this principal may not create topics.
        let admin = try KafkaAdmin(configuration: config.kafka)
        do {
            try await admin.ensureTopics(config.topics.specs, logger: logger)
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
        let process = try await ConsumerProcess(selected, settings: settings, extra: metricsFile.map { [MetricsFileWriter(path: $0)] } ?? [],
                                                handleSignals: true, maximumShutdown: shutdownTimeout, logger: logger)
        logger.info("running \(selected.map(\.name).joined(separator: ", ")); Ctrl-C to stop")
        try await process.run()
        logger.info("stopped")
    }

    /// The retrieval options the flags ask for, checked.
    private func retrievalOptions() throws -> RetrievalOptions {
        var options = try RetrievalStep.options(without: retrievalWithout)
        if let fusion { options.fusion = fusion }
        for (flag, value) in [("--semantic-weight", semanticWeight), ("--source-boost", sourceBoost)] {
            if let value, !(value.isFinite && (0...1).contains(value)) { throw ValidationError("\(flag) must be between 0 and 1, got \(value)") }
        }
        if let semanticWeight { options.semanticWeight = semanticWeight }
        if let sourceBoost { options.sourceBoostWeight = sourceBoost }
        return options
    }
}

extension RetrievalOptions.Fusion: ExpressibleByArgument {}
extension ChunkingScheme.Style: ExpressibleByArgument {}
