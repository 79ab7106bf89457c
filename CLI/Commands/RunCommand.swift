import ArgumentParser
import Dispatch
import Foundation
import Logging
import TwinlogConfig
import TwinlogEvents
import TwinlogPostgres
import TwinlogEmbedding
import TwinlogRuntime
import TwinlogMetrics
import CDCConsumer
import FeatureConsumer
import IndexConsumer
import InferenceConsumer
import TwinlogGeneration
import WarehouseConsumer

/// Runs Twinlog's consumers in this process until SIGINT or SIGTERM, then shuts them down cleanly
/// (stop fetching, finish the batch in flight, commit, leave the group, close connections).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the consumers until interrupted.")
    static let available = ["warehouse", "cdc", "features", "index", "inference"]

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated consumers to run (available: \(available.joined(separator: ", "))).")
    var only: String?
    @Option(name: .customLong("index-snapshot"), help: "The index snapshot file (default .twinlog/index/<chunk topic>.hnsw).")
    var indexSnapshot: String?
    @Option(name: .customLong("snapshot-interval"), help: "Seconds between index snapshots while chunks arrive.")
    var snapshotInterval: Double = 60
    @Option(name: .customLong("embedder-model"), help: "The all-MiniLM-L6-v2 folder (default: found in .twinlog/venv).")
    var embedderModel: String?
    @Option(name: .customLong("generator-model"), help: "The SmolLM2 GGUF file for answers (default: found in .twinlog/venv).")
    var generatorModel: String?
    @Option(name: .customLong("metrics-file"),
            help: "Write the Prometheus text exposition of the metrics to this file every 5 s (for node_exporter's textfile collector).")
    var metricsFile: String?

    func run() async throws {
        let config = try global.load()
        TwinlogMetrics.bootstrap()
        let selected = only.map { $0.split(separator: ",").map(String.init) } ?? Self.available
        for name in selected where !Self.available.contains(name) {
            throw ValidationError("unknown consumer \(name); available: \(Self.available.joined(separator: ", "))")
        }
        let logger = Logger(label: "twinlog.run")
        try await withThrowingTaskGroup(of: Void.self) { group in
            if selected.contains("warehouse") {
                // Group ids carry the topic prefix, so deployments (and tests) sharing a cluster never share a group.
                var configuration = WarehouseMaterializer.Configuration(kafka: config.kafka, database: config.database, topics: config.topics,
                                                                        groupId: config.topics.prefix + "twinlog.warehouse")
                configuration.consumer.sessionTimeout = .milliseconds(Int(config.sessionTimeout * 1000))
                let materializer = try await WarehouseMaterializer(configuration)
                group.addTask { try await materializer.run() }
            }
            if selected.contains("cdc") {
                var configuration = CDCRelay.Configuration(kafka: config.kafka, database: config.database, topics: config.topics)
                // One slot and publication per warehouse schema, so deployments sharing a database stay apart.
                if let schema = config.databaseSchema {
                    configuration.slot = "twinlog_cdc_" + schema.lowercased()
                    configuration.publication = "twinlog_" + schema.lowercased()
                }
                let relay = try CDCRelay(configuration)
                group.addTask {
                    await relay.runForever()
                    await relay.shutdown()
                }
            }
            if selected.contains("features") {
                var configuration = FeatureConsumer.Configuration(kafka: config.kafka, database: config.database, topics: config.topics,
                                                                  groupId: config.topics.prefix + "twinlog.features")
                configuration.consumer.sessionTimeout = .milliseconds(Int(config.sessionTimeout * 1000))
                // Loading the weights is long CPU-bound work: keep it off the cooperative pool, where
                // the consumers started above are already running.
                let model = embedderModel
                let embedder = try await BlockingExecutor(label: "twinlog.run.embedder").run { try Embedder(locatingModelAt: model) }
                let consumer = try await FeatureConsumer(configuration, embedder: embedder)
                group.addTask { try await consumer.run() }
            }
            if selected.contains("index") {
                let path = indexSnapshot ?? ".twinlog/index/\(config.topics.chunks).hnsw"
                var configuration = IndexMaterializer.Configuration(kafka: config.kafka, topics: config.topics,
                                                                    snapshotPath: URL(fileURLWithPath: path))
                configuration.snapshotInterval = .milliseconds(Int(snapshotInterval * 1000))
                let materializer = try await IndexMaterializer(configuration)
                group.addTask { try await materializer.run() }
            }
            if selected.contains("inference") {
                // Every inference instance holds a full index replica, read from the chunk topic's
                // beginning by assignment (no group); it writes no snapshots (the index component
                // owns those), and replaying the topic never runs the embedder.
                let replica = try await IndexMaterializer(IndexMaterializer.Configuration(kafka: config.kafka, topics: config.topics),
                                                          resume: false)
                let embedderPath = embedderModel, generatorPath = generatorModel
                let (embedder, generator) = try await BlockingExecutor(label: "twinlog.run.models").run {
                    (try Embedder(locatingModelAt: embedderPath), try Generator(path: ModelLocator.generatorPath(explicit: generatorPath)))
                }
                var configuration = InferenceConsumer.Configuration(kafka: config.kafka, topics: config.topics,
                                                                    groupId: config.topics.prefix + "twinlog.inference")
                configuration.consumer.sessionTimeout = .milliseconds(Int(config.sessionTimeout * 1000))
                let consumer = try InferenceConsumer(configuration, index: replica.index, embedder: embedder, generator: generator)
                let models = try await ModelWatcher(kafka: config.kafka, topics: config.topics, base: generator, inference: consumer)
                group.addTask { try await replica.run() }
                group.addTask { try await consumer.run() }
                group.addTask { try await models.run() }
            }
            if let metricsFile {
                group.addTask {
                    let url = URL(fileURLWithPath: metricsFile)
                    while !Task.isCancelled {
                        try? Data(TwinlogMetrics.shared.render().utf8).write(to: url, options: .atomic)
                        try? await Task.sleep(for: .seconds(5))
                    }
                }
            }
            logger.info("running \(selected.joined(separator: ", ")); Ctrl-C to stop")
            await Signals.waitForTermination()
            logger.info("shutting down")
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}

/// Waits for SIGINT or SIGTERM without killing the process, so services can shut down gracefully.
enum Signals {
    static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = BootstrapFlag()
            var sources: [DispatchSourceSignal] = []
            for signal in [SIGINT, SIGTERM] {
                Foundation.signal(signal, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
                source.setEventHandler {
                    if once.claim() { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
            SignalSources.keep(sources)
        }
    }
}

/// Keeps signal sources alive for the life of the process.
private enum SignalSources {
    nonisolated(unsafe) private static var retained: [DispatchSourceSignal] = []
    static func keep(_ sources: [DispatchSourceSignal]) { retained += sources }
}
