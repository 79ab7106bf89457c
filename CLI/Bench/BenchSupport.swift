import ArgumentParser
import CDCConsumer
import Foundation
import TwinlogConfig
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres

/// What the pipeline benchmarks share: a namespace of their own per run, and percentiles.
enum BenchSupport {
    /// A fresh namespace: topics under a prefix of its own, a schema, a slot and a publication.
    static func namespace(_ config: TwinlogConfiguration, _ label: String) async throws
        -> (TopicCatalogue, PostgresConnection.Options, CDCRelay.Configuration) {
        let name = "bench_\(label)_\(getpid())_\(Int(Date().timeIntervalSince1970))"
        let topics = TopicCatalogue(prefix: name + ".")
        let admin = try KafkaAdmin(configuration: config.kafka)
        try await admin.createTopics(topics.specs)
        await admin.close()
        var database = config.database
        database.searchPath = name
        let db = try await PostgresConnection.connect(config.database)
        try await db.execute("CREATE SCHEMA \(identifier: name)")
        await db.close()
        var relay = CDCRelay.Configuration(kafka: config.kafka, database: database, topics: topics)
        relay.slot = name + "_slot"
        relay.publication = name + "_pub"
        return (topics, database, relay)
    }

    /// Drops the run's replication slot once the relay's connection has let go of it (10 s at most),
    /// so no benchmark leaves a slot holding WAL behind.
    static func dropSlot(_ db: PostgresConnection, _ relay: CDCRelay.Configuration) async throws {
        for _ in 0..<50 {
            if (try? await db.execute("SELECT pg_drop_replication_slot(\(relay.slot))")) != nil { return }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The lines of a JSON Lines file, each decoded as `T`; the error names the file and line.
    static func readLines<T: Decodable>(_ path: String, as type: T.Type) throws -> [T] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").enumerated().map { number, line in
            do { return try JSONDecoder().decode(T.self, from: Data(line.utf8)) } catch {
                throw ValidationError("\(path) line \(number + 1): \(error)")
            }
        }
    }

    /// The p-quantile (0…1) of `values` by nearest rank; NaN when there are none.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }
}
