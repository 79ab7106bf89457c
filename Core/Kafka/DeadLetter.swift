import Logging

/// Builds dead-letter records: the original key, value and headers, plus headers that say which
/// consumer rejected it, why, and where it came from, so an operator can inspect and replay it.
public enum DeadLetter {
    public static let reasonHeader = "dlq-reason"
    public static let consumerHeader = "dlq-consumer"
    public static let sourceTopicHeader = "dlq-source-topic"
    public static let sourcePartitionHeader = "dlq-source-partition"
    public static let sourceOffsetHeader = "dlq-source-offset"

    /// The record to send to `topic` for `record`, rejected by `consumer` because of `reason`.
    public static func record(for record: KafkaRecord, to topic: String, consumer: String, reason: String) -> OutgoingRecord {
        let headers = record.headers.filter { !$0.name.hasPrefix("dlq-") } + [
            KafkaHeader(reasonHeader, String(reason.prefix(4000))),
            KafkaHeader(consumerHeader, consumer),
            KafkaHeader(sourceTopicHeader, record.topic),
            KafkaHeader(sourcePartitionHeader, String(record.partition)),
            KafkaHeader(sourceOffsetHeader, String(record.offset)),
        ]
        return OutgoingRecord(topic: topic, key: record.key, value: record.value, headers: headers)
    }

    /// The same record, with a warning logged that says which record was rejected and why.
    public static func record(for record: KafkaRecord, to topic: String, consumer: String, reason: String,
                              logger: Logger) -> OutgoingRecord {
        logger.warning("dead-lettered a record", metadata: [
            "consumer": "\(consumer)", "topic": "\(record.topic)", "partition": "\(record.partition)",
            "offset": "\(record.offset)", "reason": "\(reason)",
        ])
        return self.record(for: record, to: topic, consumer: consumer, reason: reason)
    }
}
