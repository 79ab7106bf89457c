import Foundation
import Testing
import TwinlogIndex

/// Snapshot envelopes crafted to make the reader trap or preallocate what the file cannot back:
/// each passes the checksum, and each is refused with an error naming the field.
@Suite("hostile snapshots")
struct SnapshotHostileInputTests {
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

    /// A version-3 envelope around `frame`, declaring `bodyLength`, with a valid CRC-32C.
    static func envelope(bodyLength: UInt64, frame: [UInt8]) -> [UInt8] {
        var bytes = Array("TWLGHNSW".utf8) + le(UInt32(3)) + le(UInt32(1)) + le(bodyLength) + le(UInt64(frame.count)) + frame
        bytes += le(CRC32C.checksum(bytes))
        return bytes
    }

    /// A zstd frame whose header declares `contentSize` bytes, holding one 100-byte RLE block.
    static func frame(declaring contentSize: UInt64) -> [UInt8] {
        // Magic, then the descriptor: 8-byte content size, single segment (no window descriptor).
        let blockHeader = UInt32(1 | 1 << 1 | 100 << 3)
        return le(UInt32(0xFD2F_B528)) + [0xE0] + le(contentSize) + Array(le(blockHeader).prefix(3)) + [0x2A]
    }

    static func expectRefused(_ bytes: [UInt8], mentioning words: String) {
        let error = #expect(throws: IndexError.self) { try VectorIndex.decodeSnapshot(bytes) }
        #expect(error.map { "\($0)".contains(words) } == true, "\(String(describing: error))")
    }

    @Test("a body length of UInt64.max is refused by name, not converted to Int")
    func bodyLengthMax() throws {
        // A real snapshot with only its declared body length changed (and the checksum redone).
        let real = try VectorIndex(configuration: IndexConfiguration(dimension: 4)).encodeSnapshot()
        let frame = Array(real[32..<(real.count - 4)])
        Self.expectRefused(Self.envelope(bodyLength: .max, frame: frame), mentioning: "body length of \(UInt64.max) bytes")
    }

    @Test("a body length of 2^40 that a 20-byte frame also declares is refused before anything is allocated")
    func declaredTebibyte() {
        Self.expectRefused(Self.envelope(bodyLength: 1 << 40, frame: Self.frame(declaring: 1 << 40)), mentioning: "body length of 1099511627776")
    }

    @Test("a body length the stored bytes can hold still has to match what the frame decompresses to")
    func honestBound() {
        Self.expectRefused(Self.envelope(bodyLength: 100, frame: Self.frame(declaring: 200)), mentioning: "does not decompress")
    }
}
