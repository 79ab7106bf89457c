import Foundation
import TwinlogKafka
import TwinlogPostgres

/// The real broker and PostgreSQL that `infra/dev/up` starts (or `TWINLOG_BROKERS` and
/// `TWINLOG_DATABASE_URL` name), and per-test namespaces on them: every test target reaches the
/// services through here. A test that needs a service fails loudly, saying what to run, when the
/// service or the right librdkafka is missing; nothing is skipped.
public enum LocalServices {
    public static let brokers = ProcessInfo.processInfo.environment["TWINLOG_BROKERS"] ?? "127.0.0.1:19092"
    public static let databaseURL = ProcessInfo.processInfo.environment["TWINLOG_DATABASE_URL"]
        ?? "postgresql://twinlog@127.0.0.1:55432/twinlog"

    /// Client settings for the local broker.
    public static var kafka: KafkaConfiguration {
        KafkaConfiguration(brokers: brokers, clientId: "twinlog-tests", requestTimeout: .seconds(10))
    }

    /// Throws unless the loaded librdkafka can talk to the local broker (Debian's 2.0.2 cannot;
    /// `infra/dev/test` puts 2.16 on LD_LIBRARY_PATH).
    public static func requireKafka() throws {
        let parts = librdkafkaVersion.split(separator: ".").compactMap { Int($0) }
        guard parts.count >= 2, parts[0] > 2 || (parts[0] == 2 && parts[1] >= 1) else {
            throw ServiceMissing("librdkafka \(librdkafkaVersion) is loaded; run the tests through infra/dev/test "
                                 + "(it puts librdkafka 2.16 on LD_LIBRARY_PATH)")
        }
    }

    /// Consumer options suited to the local broker: fast fetches and group joins (Tansu takes
    /// about half the session timeout to let a member join).
    public static func consumerOptions(group: String) -> KafkaConsumer.Options {
        var options = KafkaConsumer.Options(groupId: group)
        options.sessionTimeout = .milliseconds(3000)
        options.fetchMaxWait = .milliseconds(10)
        return options
    }

    /// Creates topics that only this test uses.
    public static func createTopics(_ specs: [TopicSpec]) async throws {
        try requireKafka()
        let admin = try KafkaAdmin(configuration: kafka)
        try await admin.createTopics(specs, ifNotExists: false)
        await admin.close()
    }

    /// A consumer in group `group` subscribed to `topic`, with the local broker's options.
    public static func reader(_ topic: String, group: String) throws -> KafkaConsumer {
        try requireKafka()
        return try KafkaConsumer(configuration: kafka, options: consumerOptions(group: group), topics: [topic])
    }

    /// Polls `consumer` until at least `count` records arrived or `timeout` passed; returns all
    /// that arrived, so a duplicate shows as an extra record.
    public static func consume(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(60)) async throws -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        let deadline = ContinuousClock.now + timeout
        while records.count < count, ContinuousClock.now < deadline {
            records += try await consumer.poll(maxRecords: 1000, timeout: .milliseconds(100))
        }
        return records
    }

    /// Creates schema `schema` and returns connection options whose search_path is it.
    public static func createSchema(_ schema: String, url: String = databaseURL) async throws -> PostgresConnection.Options {
        let admin: PostgresConnection
        do {
            admin = try await PostgresConnection.connect(PostgresConnection.Options(url: url))
        } catch {
            throw ServiceMissing("PostgreSQL at \(url) is not reachable (\(error)); start it with infra/dev/up")
        }
        try await admin.execute("CREATE SCHEMA \(identifier: schema)")
        await admin.close()
        var options = PostgresConnection.Options(url: url, searchPath: schema)
        options.reconnectFor = .seconds(30)
        return options
    }

    /// A connection whose search_path is a fresh schema of this test's own.
    public static func database(schema: String, url: String = databaseURL) async throws -> PostgresConnection {
        try await PostgresConnection.connect(createSchema(schema, url: url))
    }
}

/// A service a test needs is missing or unusable; the message says what to run.
public struct ServiceMissing: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
