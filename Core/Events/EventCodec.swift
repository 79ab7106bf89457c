import Foundation
import TwinlogSchemas

/// Why an event could not be encoded or decoded; says what was wrong and where.
public struct EventError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// CloudEvents 1.0 attributes, carried as message headers (binary content mode).
public struct EventEnvelope: Sendable, Equatable {
    public var id: String
    public var type: String
    public var source: String
    public var time: Date
    public var specVersion = "1.0"
    public var contentType = "application/json"

    public init(id: String, type: String, source: String, time: Date) {
        self.id = id
        self.type = type
        self.source = source
        self.time = time
    }

    public static let specVersionHeader = "ce_specversion"
    public static let idHeader = "ce_id"
    public static let typeHeader = "ce_type"
    public static let sourceHeader = "ce_source"
    public static let timeHeader = "ce_time"
    public static let contentTypeHeader = "content-type"

    /// The attributes as header names and values, in the order they are written.
    public var attributes: [(name: String, value: String)] {
        [(Self.specVersionHeader, specVersion), (Self.idHeader, id), (Self.typeHeader, type), (Self.sourceHeader, source),
         (Self.timeHeader, EventTime.format(time)), (Self.contentTypeHeader, contentType)]
    }

    /// Reads the envelope from a message's headers (the first of each name counts); every
    /// attribute is required.
    public init(headers: [(name: String, value: [UInt8]?)]) throws(EventError) {
        func text(_ name: String) throws(EventError) -> String {
            guard let header = headers.first(where: { $0.name == name }) else { throw EventError("missing header \(name)") }
            guard let bytes = header.value, let text = String(validating: bytes, as: UTF8.self), !text.isEmpty else {
                throw EventError("header \(name) is empty or not UTF-8")
            }
            return text
        }
        let spec = try text(Self.specVersionHeader)
        guard spec == "1.0" else { throw EventError("header \(Self.specVersionHeader) is \(spec), expected 1.0") }
        let timeText = try text(Self.timeHeader)
        guard let time = EventTime.parse(timeText) else { throw EventError("header \(Self.timeHeader) is not RFC 3339: \(timeText)") }
        self.init(id: try text(Self.idHeader), type: try text(Self.typeHeader), source: try text(Self.sourceHeader), time: time)
        let contentType = try text(Self.contentTypeHeader)
        guard contentType.hasPrefix("application/json") else {
            throw EventError("header \(Self.contentTypeHeader) is \(contentType), expected application/json")
        }
    }
}

/// Turns typed events into JSON and back, validating against the event's JSON Schema in both
/// directions: producers never send an invalid event, consumers never act on one. The Kafka
/// binding (`TwinlogKafkaEvents`) puts the bytes and the envelope into records.
public enum EventCodec {
    /// The JSON of `event`, validated against its schema.
    public static func encode<E: TwinlogEvent>(_ event: E) throws(EventError) -> [UInt8] {
        let json: Data
        do { json = try EventJSON.encoder.encode(event) } catch { throw EventError("cannot encode \(E.schemaName): \(error)") }
        let bytes = Array(json)
        try validate(bytes, as: E.self)
        return bytes
    }

    /// Decodes `value`, carried under `envelope`, as `E`: checks the type, the schema, then
    /// decodes. Every failure says what was wrong (the type, the JSON Pointer of the invalid
    /// field, …).
    public static func decode<E: TwinlogEvent>(_ value: [UInt8]?, envelope: EventEnvelope, as type: E.Type) throws(EventError) -> E {
        guard envelope.type == E.eventType else {
            throw EventError("event type \(envelope.type), expected \(E.eventType)")
        }
        guard let value, !value.isEmpty else { throw EventError("record has no value") }
        try validate(value, as: E.self)
        do {
            return try EventJSON.decoder.decode(E.self, from: Data(value))
        } catch {
            throw EventError("\(E.schemaName) does not decode: \(error)")
        }
    }

    /// Validates JSON bytes against `E`'s schema.
    public static func validate<E: TwinlogEvent>(_ bytes: [UInt8], as type: E.Type) throws(EventError) {
        let schema = try EventSchemas.schema(for: E.self)
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw EventError("\(E.schemaName): the value is not valid JSON: \(error)") }
        let violations = schema.violations(of: value)
        if !violations.isEmpty {
            throw EventError("\(E.schemaName).v\(E.schemaVersion) schema violation: " + violations.map(\.description).joined(separator: "; "))
        }
    }
}

/// The loaded JSON Schemas, parsed once per process.
public enum EventSchemas {
    /// Every event type Twinlog defines, for catalogues and tests.
    public static let allEventTypes: [any TwinlogEvent.Type] = [
        DocumentCaptured.self, DocumentRemoved.self, AuthorErased.self, WarehouseChange.self, ChunkEmbedded.self,
        ChunkRemoved.self, DriftDetected.self, DatasetPublished.self, ModelPublished.self, QueryRequested.self,
        QueryAnswered.self, QueryAnswerPartial.self,
    ]

    private static let loaded: [String: Result<JSONSchema, EventError>] = {
        var schemas: [String: Result<JSONSchema, EventError>] = [:]
        for type in allEventTypes {
            let key = "\(type.schemaName).v\(type.schemaVersion)"
            do {
                schemas[key] = .success(try JSONSchema(name: key, json: try SchemaFiles.eventSchema(name: type.schemaName, version: type.schemaVersion)))
            } catch {
                schemas[key] = .failure(EventError("\(error)"))
            }
        }
        return schemas
    }()

    /// The schema of `E`; throws when its file is missing or invalid.
    public static func schema<E: TwinlogEvent>(for type: E.Type) throws(EventError) -> JSONSchema {
        let key = "\(E.schemaName).v\(E.schemaVersion)"
        guard let result = loaded[key] else { throw EventError("no schema registered for \(key)") }
        return try result.get()
    }
}
