import ArgumentParser
import Foundation
import TwinlogConfig
import WarehouseConsumer

/// `twinlog replay …`: rebuild a view from the earliest offsets of its source topic.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Rebuild a view by replaying the log.",
                                                    subcommands: [Warehouse.self])

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
}
