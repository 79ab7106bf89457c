import Foundation
import Testing
import TwinlogKafka

/// The local broker started by `infra/dev/up`; a test that needs it fails loudly without it.
enum Services {
    static let brokers = ProcessInfo.processInfo.environment["TWINLOG_BROKERS"] ?? "127.0.0.1:19092"
    static var kafka: KafkaConfiguration {
        KafkaConfiguration(brokers: brokers, clientId: "twinlog-inference-tests", requestTimeout: .seconds(10))
    }

    struct Missing: Error {}

    static func requireKafka() throws {
        let parts = librdkafkaVersion.split(separator: ".").compactMap { Int($0) }
        guard parts.count >= 2, parts[0] > 2 || (parts[0] == 2 && parts[1] >= 1) else {
            Issue.record("librdkafka \(librdkafkaVersion) is loaded; run the tests through infra/dev/test")
            throw Missing()
        }
    }

    static func uniqueName(_ label: String) -> String {
        "t_\(label.replacingOccurrences(of: "-", with: "_"))_\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func createTopics(_ specs: [TopicSpec]) async throws {
        let admin = try KafkaAdmin(configuration: kafka)
        try await admin.createTopics(specs, ifNotExists: false)
        await admin.close()
    }

    static func reader(_ topic: String, group: String) throws -> KafkaConsumer {
        var options = KafkaConsumer.Options(groupId: group)
        options.sessionTimeout = .seconds(3)
        options.fetchMaxWait = .milliseconds(10)
        return try KafkaConsumer(configuration: kafka, options: options, topics: [topic])
    }

    static func consume(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(60)) async throws -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        let deadline = ContinuousClock.now + timeout
        while records.count < count, ContinuousClock.now < deadline {
            records += try await consumer.poll(maxRecords: count - records.count, timeout: .milliseconds(100))
        }
        return records
    }
}
