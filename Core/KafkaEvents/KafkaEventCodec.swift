import Foundation
import TwinlogEvents
import TwinlogKafka

/// A decoded event with its envelope and the record it was read from.
public struct ReceivedEvent<Event: TwinlogEvent>: Sendable {
    public var envelope: EventEnvelope
    public var event: Event
    public var record: KafkaRecord
}

extension EventEnvelope {
    /// Reads the envelope from a record's headers; every attribute is required.
    public init(headers: [KafkaHeader]) throws(EventError) {
        try self.init(headers: headers.map { (name: $0.name, value: $0.value) })
    }

    /// The attributes as record headers.
    var headers: [KafkaHeader] { attributes.map { KafkaHeader($0.name, $0.value) } }
}

/// Events as Kafka records: the event's JSON as the value, its aggregate id as the key, the
/// CloudEvents envelope in the headers.
extension EventCodec {
    /// A record for `event` on `topic`, keyed by the event's aggregate id. `id` defaults to a
    /// random UUID; pass a deterministic one to make re-emission idempotent downstream.
    public static func record<E: TwinlogEvent>(_ event: E, topic: String, source: String, id: String = UUID().uuidString,
                                               time: Date = Date(), headers: [KafkaHeader] = []) throws(EventError) -> OutgoingRecord {
        let bytes = try encode(event)
        let envelope = EventEnvelope(id: id, type: E.eventType, source: source, time: time)
        return OutgoingRecord(topic: topic, key: Array(event.eventKey.utf8), value: bytes, headers: envelope.headers + headers)
    }

    /// Decodes `record` as `E`: checks the envelope, the type, the schema, then decodes. Every
    /// failure says what was wrong (the header, the JSON Pointer of the invalid field, …).
    public static func decode<E: TwinlogEvent>(_ record: KafkaRecord, as type: E.Type) throws(EventError) -> ReceivedEvent<E> {
        let envelope = try EventEnvelope(headers: record.headers)
        let event = try decode(record.value, envelope: envelope, as: E.self)
        return ReceivedEvent(envelope: envelope, event: event, record: record)
    }

    /// The CloudEvents type of a record, from its header, without decoding the value.
    public static func eventType(of record: KafkaRecord) -> String? {
        record.header(EventEnvelope.typeHeader)?.stringValue
    }
}

private let millisecondsPerDay = 86_400_000

extension TopicCatalogue {
    /// The specs to create, with the configs a Kafka cluster should enforce.
    public var specs: [TopicSpec] {
        var specs = [
            TopicSpec(name: documents, partitions: partitions,
                      configs: ["retention.ms": "-1", "retention.bytes": "-1", "max.message.bytes": String(Self.maxDocumentRecord)]),
            TopicSpec(name: warehouseChanges, partitions: partitions, configs: ["retention.ms": String(7 * millisecondsPerDay)]),
            TopicSpec(name: chunks, partitions: partitions, configs: ["cleanup.policy": "compact", "min.compaction.lag.ms": "60000"]),
            TopicSpec(name: drift, partitions: 1, configs: ["retention.ms": String(30 * millisecondsPerDay)]),
            TopicSpec(name: datasets, partitions: 1, configs: ["retention.ms": "-1"]),
            TopicSpec(name: models, partitions: 1, configs: ["cleanup.policy": "compact"]),
            TopicSpec(name: queries, partitions: partitions, configs: ["retention.ms": String(millisecondsPerDay)]),
            TopicSpec(name: replies, partitions: partitions, configs: ["retention.ms": String(millisecondsPerDay)]),
        ]
        specs += Self.consumers.map {
            TopicSpec(name: deadLetter(consumer: $0), partitions: 1, configs: ["retention.ms": String(30 * millisecondsPerDay)])
        }
        return specs
    }
}
