import Foundation
import TwinlogKafka

/// Counts a topic's records by reading every partition from its beginning, by assignment and
/// outside any group. Exact on any broker, including Tansu, whose high watermarks point into
/// the last batch; meant for the demo's small topics.
enum TopicCounter {
    static func count(_ topic: String, kafka: KafkaConfiguration) async throws -> Int {
        let admin = try KafkaAdmin(configuration: kafka)
        let ends: [TopicPartition: Int64]
        do { ends = try await admin.endOffsets(topic: topic) } catch {
            await admin.close()
            throw error
        }
        await admin.close()
        var options = KafkaConsumer.Options(groupId: "twinlog.demo.counter.\(UUID().uuidString)")
        options.fetchMaxWait = .milliseconds(10)
        let consumer = try KafkaConsumer(configuration: kafka, options: options,
                                         assign: Dictionary(uniqueKeysWithValues: ends.keys.map { ($0, KafkaOffset.beginning) }))
        var next: [TopicPartition: Int64] = [:]
        var count = 0
        do {
            // Done once every partition reached its end offset and a poll finds nothing more.
            while true {
                let records = try await consumer.poll(maxRecords: 1000, timeout: .milliseconds(200))
                count += records.count
                for record in records {
                    let tp = TopicPartition(record.topic, record.partition)
                    next[tp] = max(next[tp] ?? 0, record.offset + 1)
                }
                if records.isEmpty, ends.allSatisfy({ $0.value <= (next[$0.key] ?? 0) }) { break }
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        return count
    }
}
