import ArgumentParser
import Foundation
import FeatureConsumer
import IndexConsumer
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEmbedding
import TwinlogEvents
import WarehouseConsumer

/// `twinlog replay …`: rebuild a view from the earliest offsets of its source topic.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Rebuild a view by replaying the log.",
                                                    subcommands: [Warehouse.self, Features.self, Index.self])

    /// Truncates the warehouse and re-materializes it from `twin.documents`.
    struct Warehouse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "warehouse",
            abstract: "Truncate the warehouse and rebuild it from the earliest offset of twin.documents (stop the live materializer first).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let config = try global.load()
            print("replaying \(config.topics.documents) into \(config.databaseSchema ?? "the default schema")…")
            let outcome = try await WarehouseReplay.run(.init(kafka: config.kafka, database: config.database, topics: config.topics))
            print(String(format: "replayed %d events, %d versions written, in %.1f s", outcome.records, outcome.versionsWritten, outcome.seconds))
        }
    }

    /// Forgets the chunk sets and rebuilds them and `twin.chunks` from `twin.warehouse.changes`.
    struct Features: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "features",
            abstract: "Rebuild the chunk sets and twin.chunks from the earliest offset of twin.warehouse.changes (stop the live feature consumer first).")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("embedder-model"), help: "The all-MiniLM-L6-v2 folder (default: found in .twinlog/venv).")
        var embedderModel: String?

        func run() async throws {
            let config = try global.load()
            print("replaying \(config.topics.warehouseChanges) into \(config.topics.chunks)…")
            let outcome = try await FeatureReplay.run(.init(kafka: config.kafka, database: config.database, topics: config.topics),
                                                      embedder: try Embedder(locatingModelAt: embedderModel))
            print(String(format: "replayed %d change events: %d chunks embedded, %d removed, %d orphans removed, in %.1f s",
                         outcome.records, outcome.chunksEmbedded, outcome.chunksRemoved, outcome.orphansRemoved, outcome.seconds))
        }
    }

    /// Rebuilds the index snapshot from `twin.chunks` without the embedder.
    struct Index: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "index",
            abstract: "Rebuild the index snapshot from the earliest offset of twin.chunks (the embeddings are in the events; stop a materializer writing the same file first).")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("index-snapshot"), help: "The snapshot file to write (default .twinlog/index/<chunk topic>.hnsw).")
        var indexSnapshot: String?

        func run() async throws {
            let config = try global.load()
            let path = indexSnapshot ?? ".twinlog/index/\(config.topics.chunks).hnsw"
            print("replaying \(config.topics.chunks) into \(path)…")
            let (_, outcome) = try await IndexReplay.run(.init(kafka: config.kafka, topics: config.topics, snapshotPath: URL(fileURLWithPath: path)))
            print(String(format: "replayed %d records: %d chunks in the index, in %.1f s", outcome.records, outcome.chunks, outcome.seconds))
        }
    }
}
