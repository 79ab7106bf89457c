import Foundation

/// A log sequence number: a position in PostgreSQL's write-ahead log.
public struct LSN: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: UInt64
    public init(_ value: UInt64) { self.value = value }

    /// Parses PostgreSQL's `XXXXXXXX/XXXXXXXX` text form.
    public init?(text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16),
              high <= UInt32.max, low <= UInt32.max else { return nil }
        value = high << 32 | low
    }

    /// The LSN as the signed 64-bit integer events carry. A WAL position from the server at or past
    /// 2^63 (8 EiB of WAL) is clamped to `Int64.max` rather than trapping the conversion.
    public var signedValue: Int64 { Int64(clamping: value) }

    public var description: String { String(format: "%X/%X", UInt32(value >> 32), UInt32(value & 0xffff_ffff)) }
    public static func < (a: LSN, b: LSN) -> Bool { a.value < b.value }
    public static let zero = LSN(0)
}

/// One logical replication message of the `pgoutput` plugin (protocol version 1), decoded.
/// See PostgreSQL's "Logical Replication Message Formats".
public enum PgOutputMessage: Sendable, Equatable {
    /// A column of a published relation.
    public struct Column: Sendable, Equatable {
        public var name: String
        public var typeOID: UInt32
        /// Part of the replica identity (the primary key unless REPLICA IDENTITY says otherwise).
        public var isKey: Bool
    }

    /// A published table's shape; sent before the first change of the table in a session and again
    /// whenever it changes.
    public struct Relation: Sendable, Equatable {
        public var id: UInt32
        public var namespace: String
        public var name: String
        /// d = default (primary key), f = full, i = index, n = nothing.
        public var replicaIdentity: Character
        public var columns: [Column]
    }

    /// A column value in a change: NULL, an unchanged TOASTed value (not sent), or text.
    public enum Value: Sendable, Equatable {
        case null
        case unchangedToast
        case text(String)
    }

    case begin(finalLSN: LSN, commitTime: Date, xid: UInt32)
    case commit(commitLSN: LSN, endLSN: LSN, commitTime: Date)
    case relation(Relation)
    case insert(relation: UInt32, new: [Value])
    /// `old` is the key columns ('K') or the full old row ('O', REPLICA IDENTITY FULL), when sent.
    case update(relation: UInt32, old: [Value]?, new: [Value])
    case delete(relation: UInt32, old: [Value])
    case truncate(relations: [UInt32])
    /// Origin, type and other messages Twinlog does not act on.
    case ignored(Character)

    /// Why a pgoutput message could not be decoded; names the message and the byte offset.
    public struct DecodingError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// PostgreSQL timestamps count microseconds from 2000-01-01 UTC.
    static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)

    /// Decodes one message (the payload of an XLogData frame).
    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> PgOutputMessage {
        var reader = ByteReader(bytes)
        let tag = Character(UnicodeScalar(try reader.uint8()))
        switch tag {
        case "B":
            let lsn = LSN(try reader.uint64())
            let time = try reader.timestamp()
            return .begin(finalLSN: lsn, commitTime: time, xid: try reader.uint32())
        case "C":
            _ = try reader.uint8()
            let commit = LSN(try reader.uint64())
            let end = LSN(try reader.uint64())
            return .commit(commitLSN: commit, endLSN: end, commitTime: try reader.timestamp())
        case "R":
            let id = try reader.uint32()
            let namespace = try reader.cString()
            let name = try reader.cString()
            let identity = Character(UnicodeScalar(try reader.uint8()))
            let count = Int(try reader.uint16())
            var columns: [Column] = []
            for _ in 0..<count {
                let flags = try reader.uint8()
                let columnName = try reader.cString()
                let type = try reader.uint32()
                _ = try reader.uint32()
                columns.append(Column(name: columnName, typeOID: type, isKey: flags & 1 == 1))
            }
            return .relation(Relation(id: id, namespace: namespace, name: name, replicaIdentity: identity, columns: columns))
        case "I":
            let id = try reader.uint32()
            try reader.expect("N", in: "Insert")
            return .insert(relation: id, new: try reader.tuple())
        case "U":
            let id = try reader.uint32()
            var marker = Character(UnicodeScalar(try reader.uint8()))
            var old: [Value]?
            if marker == "K" || marker == "O" {
                old = try reader.tuple()
                marker = Character(UnicodeScalar(try reader.uint8()))
            }
            guard marker == "N" else { throw DecodingError(description: "Update: expected N, found \(marker) at byte \(reader.offset - 1)") }
            return .update(relation: id, old: old, new: try reader.tuple())
        case "D":
            let id = try reader.uint32()
            let marker = Character(UnicodeScalar(try reader.uint8()))
            guard marker == "K" || marker == "O" else { throw DecodingError(description: "Delete: expected K or O, found \(marker)") }
            return .delete(relation: id, old: try reader.tuple())
        case "T":
            let count = Int(try reader.uint32())
            _ = try reader.uint8()
            var ids: [UInt32] = []
            for _ in 0..<count { ids.append(try reader.uint32()) }
            return .truncate(relations: ids)
        case "O", "Y", "M":
            return .ignored(tag)
        default:
            throw DecodingError(description: "unknown pgoutput message type \(tag)")
        }
    }
}

/// Big-endian reads over a byte array, as the replication protocol encodes numbers.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private mutating func take(_ count: Int) throws(PgOutputMessage.DecodingError) -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= bytes.count else {
            throw PgOutputMessage.DecodingError(description: "message truncated: needed \(count) bytes at byte \(offset) of \(bytes.count)")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func uint8() throws(PgOutputMessage.DecodingError) -> UInt8 { try take(1).first! }
    mutating func uint16() throws(PgOutputMessage.DecodingError) -> UInt16 { UInt16(truncatingIfNeeded: try integer(2)) }
    mutating func uint32() throws(PgOutputMessage.DecodingError) -> UInt32 { UInt32(truncatingIfNeeded: try integer(4)) }
    mutating func uint64() throws(PgOutputMessage.DecodingError) -> UInt64 { try integer(8) }

    private mutating func integer(_ width: Int) throws(PgOutputMessage.DecodingError) -> UInt64 {
        try take(width).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func timestamp() throws(PgOutputMessage.DecodingError) -> Date {
        let micros = Int64(bitPattern: try uint64())
        return PgOutputMessage.postgresEpoch.addingTimeInterval(Double(micros) / 1_000_000)
    }

    mutating func cString() throws(PgOutputMessage.DecodingError) -> String {
        guard let end = bytes[offset...].firstIndex(of: 0) else {
            throw PgOutputMessage.DecodingError(description: "unterminated string at byte \(offset)")
        }
        defer { offset = end + 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }

    mutating func expect(_ marker: Character, in message: String) throws(PgOutputMessage.DecodingError) {
        let found = Character(UnicodeScalar(try uint8()))
        guard found == marker else {
            throw PgOutputMessage.DecodingError(description: "\(message): expected \(marker), found \(found) at byte \(offset - 1)")
        }
    }

    mutating func tuple() throws(PgOutputMessage.DecodingError) -> [PgOutputMessage.Value] {
        let count = Int(try uint16())
        var values: [PgOutputMessage.Value] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            switch try uint8() {
            case UInt8(ascii: "n"): values.append(.null)
            case UInt8(ascii: "u"): values.append(.unchangedToast)
            case UInt8(ascii: "t"), UInt8(ascii: "b"):
                let length = Int(Int32(bitPattern: try uint32()))
                values.append(.text(String(decoding: try take(length), as: UTF8.self)))
            case let other:
                throw PgOutputMessage.DecodingError(description: "unknown tuple value kind \(other) at byte \(offset - 1)")
            }
        }
        return values
    }
}
