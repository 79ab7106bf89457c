import ArgumentParser
import Foundation
import TrainingConsumer
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogKafka
import TwinlogGeneration
import TwinlogPostgres
import TwinlogSink
import TwinlogTraining

/// `twinlog models list|promote|rollback`: the model registry.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List, promote and roll back the models in the registry.",
        subcommands: [List.self, Promote.self, Rollback.self])

    /// Each role's base model, then every registered model, newest first, with its status and metrics.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each role's base model and list the registered models, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("generator-model"), help: "The voice model's GGUF file, as given to run (default: found in .twinlog/venv).")
        var generatorModel: String?
        @Option(name: .customLong("answer-model"), help: "The answer model's GGUF file, as given to run (key answerModel).")
        var answerModel: String?

        func run() async throws {
            let config = try global.load(commandFlags: answerModel.map { ["answerModel": $0] } ?? [:])
            let voice = try ModelLocator.generatorPath(explicit: generatorModel)
            print("voice model (LoRA adapts it): \(voice)  sha256 \(try FileDigest.sha256(ofFileAt: voice))")
            if let answer = config.answerModel {
                print("answer model (inference):     \(answer)  sha256 \(try FileDigest.sha256(ofFileAt: answer))")
            } else {
                print("answer model (inference):     the voice model, with the champion adapter")
            }
            let db = try await ModelsCommand.connect(config)
            let entries = try await ModelRegistry(topics: config.topics).list(db)
            await db.close()
            guard !entries.isEmpty else {
                print("no models yet; `twinlog train` asks for a training run")
                return
            }
            print("VERSION          STATUS     DATASET              PERPLEXITY  (CHAMPION / BASE)   STYLE   CREATED")
            for e in entries {
                func metric(_ key: String) -> String { e.metrics[key].map { String(format: "%.2f", $0) } ?? "-" }
                let created = e.createdAt.formatted(.iso8601)
                print("\(e.version.padding(toLength: 16, withPad: " ", startingAt: 0)) \(e.status.padding(toLength: 10, withPad: " ", startingAt: 0)) "
                    + "\((e.datasetVersion ?? "-").padding(toLength: 20, withPad: " ", startingAt: 0)) "
                    + "\(metric("eval_perplexity").padding(toLength: 11, withPad: " ", startingAt: 0)) "
                    + "(\(metric("eval_perplexity_champion")) / \(metric("eval_perplexity_base")))".padding(toLength: 20, withPad: " ", startingAt: 0)
                    + "\(metric("style_similarity").padding(toLength: 7, withPad: " ", startingAt: 0)) \(created)")
            }
        }
    }

    /// Makes a registered model the champion and publishes it.
    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a model the champion (inference consumers switch to it).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The model version (see `twinlog models list`).") var version: String

        func run() async throws {
            let config = try global.load()
            let registry = ModelRegistry(topics: config.topics)
            let db = try await ModelsCommand.connect(config)
            try await db.transaction { db in try await registry.promote(version, in: db) }
            try await ModelsCommand.publish(registry, db: db, config: config)
            print("\(version) is the champion")
        }
    }

    /// Goes back to the previous champion (or the base model).
    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the previous champion (or the base model) the champion again.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let config = try global.load()
            let registry = ModelRegistry(topics: config.topics)
            let db = try await ModelsCommand.connect(config)
            let version = try await db.transaction { db in try await registry.rollback(in: db) }
            try await ModelsCommand.publish(registry, db: db, config: config)
            print("rolled back: \(version) is serving")
        }
    }

    static func connect(_ config: TwinlogConfiguration) async throws -> PostgresConnection {
        let db = try await PostgresConnection.connect(config.database)
        try await WarehouseSchema.prepare(db, schema: config.databaseSchema)
        return db
    }

    static func publish(_ registry: ModelRegistry, db: PostgresConnection, config: TwinlogConfiguration) async throws {
        let producer = try KafkaProducer(configuration: config.kafka)
        do { try await registry.publish(db, producer: producer) } catch {
            await producer.shutdown()
            await db.close()
            throw error
        }
        await producer.shutdown()
        await db.close()
    }
}
