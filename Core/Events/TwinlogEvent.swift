import Foundation
import TwinlogText

/// A typed Twinlog event: a Codable payload with a CloudEvents type, a JSON Schema
/// (`Schemas/events/<schemaName>.v<schemaVersion>.json`) and the aggregate id used as record key.
public protocol TwinlogEvent: Codable, Sendable, Equatable {
    /// The CloudEvents `type`, such as `twin.document.captured`.
    static var eventType: String { get }
    /// The schema file's name stem, such as `DocumentCaptured`.
    static var schemaName: String { get }
    static var schemaVersion: Int { get }
    /// The id of the aggregate this event belongs to; the Kafka record key, so all events of one
    /// aggregate land in one partition, in order.
    var eventKey: String { get }
}

/// The source platforms a document can come from.
public enum Platform: String, Codable, Sendable, CaseIterable {
    case github, medium, linkedin, article
}

/// JSON coding shared by every event: camelCase keys as declared, RFC 3339 UTC timestamps with
/// milliseconds, sorted keys (so the same event always serializes to the same bytes).
enum EventJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(EventTime.format(date))
        }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = EventTime.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 date-time: \(text)")
            }
            return date
        }
        return decoder
    }()
}

/// RFC 3339 timestamps as events carry them (`2026-11-28T16:48:57.123Z`).
///
/// Uses `Date.ISO8601FormatStyle`, a value type that costs about a microsecond per call;
/// `ISO8601DateFormatter` costs about 175 µs to create on Linux, which made timestamp handling
/// most of the warehouse materializer's time when a formatter was made per timestamp.
public enum EventTime {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// UTC with milliseconds.
    public static func format(_ date: Date) -> String { style.format(date) }

    /// Parses an RFC 3339 timestamp with or without fractional seconds, in any offset.
    public static func parse(_ text: String) -> Date? { try? style.parse(text) }

    /// Parses what a person types for the time bound `field` (`since`, `until`): a timestamp as
    /// `parse` reads it, or a calendar date (`2024-03-01`), meaning its midnight UTC.
    public static func parseBound(_ text: String, field: String) throws(EventError) -> Date {
        if let instant = parse(text) { return instant }
        guard let day = try? Date.ISO8601FormatStyle().year().month().day().parse(text) else {
            throw EventError("\(field) is not a date (2024-01-31) or an RFC 3339 timestamp: \(text)")
        }
        return day
    }
}
