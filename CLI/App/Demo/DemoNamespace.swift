import Crawlers
import Foundation
import TwinlogConfig
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogSink

/// The demo's own namespace: its topics (every name under `<namespace>.`), its warehouse schema,
/// the CDC relay's replication slot and publication for that schema, and its work folder. Each
/// run starts by resetting all of it, so the demo can run again and again with the same result
/// and never touches another deployment's data.
enum DemoNamespace {
    /// Deletes and recreates the namespace: topics, schema (with the warehouse and crawl-state
    /// tables), slot, publication and work folder.
    static func reset(_ settings: DemoSettings) async throws {
        let consumers = settings.processSettings
        let topics = consumers.topics
        let admin = try KafkaAdmin(configuration: consumers.kafka)
        do {
            let names = Set(topics.specs.map(\.name))
            try await admin.deleteTopics(try await admin.listTopics().map(\.name).filter(names.contains))
            // A Kafka cluster deletes topics asynchronously: wait until they are gone before
            // creating them again (deleting a topic also drops its groups' committed offsets).
            let deadline = ContinuousClock.now + .seconds(60)
            while try await admin.listTopics().contains(where: { names.contains($0.name) }) {
                guard ContinuousClock.now < deadline else { throw DemoError("the topics under \(topics.prefix) were not deleted within 60 s") }
                try await Task.sleep(for: .milliseconds(200))
            }
            try await admin.createTopics(topics.specs)
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()

        let root = try await PostgresConnection.connect(PostgresConnection.Options(url: consumers.config.databaseURL))
        do {
            let slot = try await root.query("SELECT active FROM pg_replication_slots WHERE slot_name = \(consumers.replicationSlot)")
            if let row = slot.first {
                guard try !row.decode(Bool.self, "active") else {
                    throw DemoError("the replication slot \(consumers.replicationSlot) is in use: is another demo running in namespace \(settings.namespace)?")
                }
                try await root.execute("SELECT pg_drop_replication_slot(\(consumers.replicationSlot))")
            }
            try await root.execute("DROP PUBLICATION IF EXISTS \(identifier: consumers.publication)")
            try await root.execute("DROP SCHEMA IF EXISTS \(identifier: settings.namespace) CASCADE")
        } catch {
            await root.close()
            throw error
        }
        await root.close()
        let db = try await PostgresConnection.connect(consumers.database)
        do {
            try await WarehouseSchema.prepare(db, schema: settings.namespace)
            try await CrawlStateStore.prepare(db, schema: settings.namespace)
        } catch {
            await db.close()
            throw error
        }
        await db.close()

        let files = FileManager.default
        try? files.removeItem(at: settings.workDirectory)
        try files.createDirectory(at: settings.workDirectory, withIntermediateDirectories: true)
    }
}

extension DemoNamespace {
    /// Drops the CDC relay's replication slot once the relay has stopped: a slot nobody reads
    /// makes PostgreSQL keep its WAL forever. The server frees a slot a moment after the relay's
    /// connection closes, so this retries for a few seconds.
    static func releaseSlot(_ settings: DemoSettings) async throws {
        let consumers = settings.processSettings
        let db = try await PostgresConnection.connect(PostgresConnection.Options(url: consumers.config.databaseURL))
        do {
            let deadline = ContinuousClock.now + .seconds(10)
            while let slot = try await db.query("SELECT active FROM pg_replication_slots WHERE slot_name = \(consumers.replicationSlot)").first {
                if try !slot.decode(Bool.self, "active") {
                    try await db.execute("SELECT pg_drop_replication_slot(\(consumers.replicationSlot))")
                    break
                }
                guard ContinuousClock.now < deadline else {
                    throw DemoError("the replication slot \(consumers.replicationSlot) is still in use 10 s after the relay stopped")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        } catch {
            await db.close()
            throw error
        }
        await db.close()
    }
}
