import TwinlogRuntime
import Foundation

/// A value that can be sent to PostgreSQL as a bind parameter (text format).
public protocol PostgresBindable: Sendable {
    /// The parameter's text representation; nil binds SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresBindable { public var postgresText: String? { self } }
extension Int: PostgresBindable { public var postgresText: String? { String(self) } }
extension Int32: PostgresBindable { public var postgresText: String? { String(self) } }
extension Int64: PostgresBindable { public var postgresText: String? { String(self) } }
extension Double: PostgresBindable { public var postgresText: String? { String(self) } }
extension Bool: PostgresBindable { public var postgresText: String? { self ? "t" : "f" } }
extension Date: PostgresBindable {
    public var postgresText: String? { PostgresTimestamp.format(self) }
}
extension Array: PostgresBindable where Element == UInt8 {
    /// bytea in hex format.
    public var postgresText: String? { "\\x" + hexDigits }
}
extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresText: String? { flatMap { $0.postgresText } }
}

/// A one-dimensional SQL array of text values (NULL for nil), bound as one parameter; cast it in
/// SQL (`$1::text[]`, `$2::timestamptz[]`) and `unnest` several to write many rows in one statement.
public struct PostgresArray: PostgresBindable {
    public let elements: [String?]

    public init(_ elements: [String?]) { self.elements = elements }

    /// An array of any bindable values, each in its text form.
    public init<Value: PostgresBindable>(_ values: [Value]) { elements = values.map(\.postgresText) }

    /// The array literal: every element quoted, with `"` and `\` escaped; built over UTF-8 bytes
    /// because batches carry megabytes of document text.
    public var postgresText: String? {
        var literal: [UInt8] = [UInt8(ascii: "{")]
        literal.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, element) in elements.enumerated() {
            if index > 0 { literal.append(UInt8(ascii: ",")) }
            guard let element else {
                literal.append(contentsOf: "NULL".utf8)
                continue
            }
            literal.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { literal.append(UInt8(ascii: "\\")) }
                literal.append(byte)
            }
            literal.append(UInt8(ascii: "\""))
        }
        literal.append(UInt8(ascii: "}"))
        return String(decoding: literal, as: UTF8.self)
    }
}

/// SQL text with bind parameters. String interpolation turns every interpolated value into a
/// `$n` parameter, so values are never spliced into SQL text:
///
///     try await db.query("SELECT title FROM documents WHERE id = \(id)")
///
/// Identifiers (schema and table names chosen by code) go through `\(identifier: name)`, which
/// quotes them.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var sql: String
    public private(set) var parameters: [String?]

    public init(unsafeSQL sql: String, parameters: [String?] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    public init(stringLiteral value: String) { self.init(unsafeSQL: value) }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, parameters: stringInterpolation.parameters)
    }

    public var description: String { sql }

    /// Builds the SQL text and the parameter list.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var parameters: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// A bind parameter.
        public mutating func appendInterpolation(_ value: some PostgresBindable) {
            parameters.append(value.postgresText)
            sql += "$\(parameters.count)"
        }

        /// A bind parameter that may be SQL NULL.
        public mutating func appendInterpolation<Value: PostgresBindable>(_ value: Value?) {
            parameters.append(value?.postgresText)
            sql += "$\(parameters.count)"
        }

        /// A quoted identifier (schema, table or column name).
        public mutating func appendInterpolation(identifier: String) {
            sql += PostgresQuery.quoteIdentifier(identifier)
        }
    }

    /// `name` as a double-quoted SQL identifier.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// PostgreSQL's ISO timestamp text (`2026-11-28 16:48:57.123456+00`), as sessions set to UTC print it.
public enum PostgresTimestamp {
    public static func format(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = floor(micros / 1_000_000)
        let fraction = Int(micros - seconds * 1_000_000)
        let c = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                           from: Date(timeIntervalSince1970: seconds))
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", c.year!, c.month!, c.day!,
                      c.hour!, c.minute!, c.second!, fraction)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM]`; nil when the text has another shape.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 else { return nil }
                value = value * 10 + Int(bytes[i] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            guard let hours = number(index + 1..<index + 3) else { return nil }
            var minutes = 0
            if index + 3 < bytes.count, bytes[index + 3] == UInt8(ascii: ":") { minutes = number(index + 4..<index + 6) ?? 0 }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let base = utcCalendar.date(from: components) else { return nil }
        return base.addingTimeInterval(fraction - Double(offsetSeconds))
    }

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
