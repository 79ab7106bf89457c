import Foundation
import Testing
import TwinlogEvents
import TwinlogKafka
import TwinlogPostgres

/// The real broker and PostgreSQL that `infra/dev/up` started, and per-test namespaces on them.
/// A test that needs them fails loudly, with what to run, when they are missing.
enum TestServices {
    static let brokers = ProcessInfo.processInfo.environment["TWINLOG_BROKERS"] ?? "127.0.0.1:19092"
    static let databaseURL = ProcessInfo.processInfo.environment["TWINLOG_DATABASE_URL"]
        ?? "postgresql://twinlog@127.0.0.1:55432/twinlog"

    static var kafka: KafkaConfiguration {
        KafkaConfiguration(brokers: brokers, clientId: "twinlog-tests", requestTimeout: .seconds(10))
    }

    /// Checks that the runtime librdkafka can talk to the local broker (Debian's 2.0.2 cannot).
    static func requireKafka() throws {
        let parts = librdkafkaVersion.split(separator: ".").compactMap { Int($0) }
        guard parts.count >= 2, parts[0] > 2 || (parts[0] == 2 && parts[1] >= 1) else {
            Issue.record("librdkafka \(librdkafkaVersion) is loaded; run the tests through infra/dev/test (it puts librdkafka 2.16 on LD_LIBRARY_PATH)")
            throw ServiceMissing()
        }
    }

    struct ServiceMissing: Error {}

    /// A short unique name for this test's topics, groups and schema.
    static func uniqueName(_ label: String) -> String {
        "t\(UUID().uuidString.prefix(8).lowercased())_\(label)"
    }

    /// Consumer options suited to the local broker: fast fetches and group joins.
    static func consumerOptions(group: String) -> KafkaConsumer.Options {
        var options = KafkaConsumer.Options(groupId: group)
        options.sessionTimeout = .milliseconds(3000)
        options.fetchMaxWait = .milliseconds(10)
        return options
    }

    /// Creates topics that only this test uses.
    static func createTopics(_ specs: [TopicSpec]) async throws {
        try requireKafka()
        let admin = try KafkaAdmin(configuration: kafka)
        try await admin.createTopics(specs, ifNotExists: false)
    }

    /// A connection whose search_path is a fresh schema of this test's own.
    static func database(schema: String, url: String = databaseURL) async throws -> PostgresConnection {
        let admin = try await PostgresConnection.connect(PostgresConnection.Options(url: url))
        try await admin.execute("CREATE SCHEMA \(identifier: schema)")
        await admin.close()
        var options = PostgresConnection.Options(url: url, searchPath: schema)
        options.reconnectFor = .seconds(30)
        return try await PostgresConnection.connect(options)
    }

    /// Polls `consumer` until `count` records arrived or `timeout` passed.
    static func consume(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(30)) async throws -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        let deadline = ContinuousClock.now + timeout
        while records.count < count, ContinuousClock.now < deadline {
            records += try await consumer.poll(maxRecords: 1000, timeout: .milliseconds(100))
        }
        return records
    }

    /// Waits until `condition` holds or `timeout` passes; returns whether it held.
    static func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}
