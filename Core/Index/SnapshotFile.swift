import TwinlogCompression

/// The envelope of a snapshot file, version 3 (all integers little-endian):
///
///     offset  size  field
///          0     8  magic "TWLGHNSW"
///          8     4  format version (3; version 1 bodies had no document dates, 2 no source or section)
///         12     4  flags (bit 0: body is zstd-compressed; always set)
///         16     8  body length before compression
///         24     8  body length as stored (n)
///         32     n  body (zstd frame)
///     32 + n     4  CRC-32C of every preceding byte
///
/// The envelope lets a reader reject a file of another kind, a newer version, a truncated or
/// extended file, and any damaged byte before it decompresses or parses anything. The body's
/// layout is described in `VectorIndex+Snapshot.swift`.
public struct SnapshotHeader: Sendable, Hashable {
    public static let magic: [UInt8] = Array("TWLGHNSW".utf8)
    public static let currentVersion: UInt32 = 3
    static let headerSize = 32
    static let trailerSize = 4
    static let zstdFlag: UInt32 = 1

    /// The format version the file was written in.
    public let version: UInt32
    /// The body's size before compression.
    public let bodyBytes: Int
    /// The whole file's size.
    public let fileBytes: Int

    /// Wraps a body into a complete snapshot file.
    static func seal(body: [UInt8]) throws(IndexError) -> [UInt8] {
        let compressed: [UInt8]
        do {
            compressed = try Zstd.compress(body)
        } catch {
            throw .corruptSnapshot("zstd could not compress the body: \(error)")
        }
        var file = ByteWriter()
        file.reserve(headerSize + compressed.count + trailerSize)
        for byte in magic { file.u8(byte) }
        file.u32(currentVersion)
        file.u32(zstdFlag)
        file.u64(UInt64(body.count))
        file.u64(UInt64(compressed.count))
        var bytes = file.bytes
        bytes.append(contentsOf: compressed)
        let crc = CRC32C.checksum(bytes)
        withUnsafeBytes(of: crc.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Checks the envelope of a snapshot file and returns it with the decompressed body.
    static func open(_ file: [UInt8]) throws(IndexError) -> (SnapshotHeader, [UInt8]) {
        let minimum = headerSize + trailerSize
        guard file.count >= minimum else {
            throw .corruptSnapshot("file is \(file.count) bytes, shorter than the \(minimum)-byte envelope (truncated?)")
        }
        guard Array(file.prefix(8)) == magic else {
            throw .corruptSnapshot("bad magic number: not a Twinlog index snapshot")
        }
        var reader = ByteReader(Array(file.prefix(headerSize)))
        _ = try reader.u64("magic")
        let version = try reader.u32("version")
        guard version <= currentVersion else {
            throw .corruptSnapshot("format version \(version) is newer than this build reads (\(currentVersion))")
        }
        guard version == currentVersion else {
            throw .corruptSnapshot("format version \(version) is older than this build reads (\(currentVersion)); rebuild the index by replay")
        }
        let flags = try reader.u32("flags")
        guard flags == zstdFlag else { throw .corruptSnapshot("unknown flags \(flags)") }
        let bodyLength = try reader.u64("body length")
        let storedLength = try reader.u64("stored body length")
        let expected = UInt64(minimum) &+ storedLength
        guard storedLength < UInt64(Int.max / 2), expected == UInt64(file.count) else {
            throw .corruptSnapshot("header declares \(storedLength) body bytes, so \(expected) bytes in all, "
                + "but the file has \(file.count) (truncated or extended)")
        }
        let stored = file.count - trailerSize
        let declaredCRC = file[stored...].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let actualCRC = file.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<stored])) }
        guard declaredCRC == actualCRC else {
            throw .corruptSnapshot("checksum mismatch (stored \(hex(declaredCRC)), computed \(hex(actualCRC))): the file is damaged")
        }
        // Checked before anything is allocated: the declared size is trusted only as far as the
        // stored bytes can expand.
        let expandable = maxExpansion(storedBytes: Int(storedLength))
        guard bodyLength <= UInt64(expandable) else {
            throw .corruptSnapshot("header declares a body length of \(bodyLength) bytes, more than the \(storedLength) stored bytes "
                + "can decompress to (\(expandable))")
        }
        let declared = Int(bodyLength)
        let body: [UInt8]
        do {
            body = try Zstd.decompress(Array(file[headerSize..<stored]), limit: declared)
        } catch {
            throw .corruptSnapshot("body does not decompress: \(error)")
        }
        guard body.count == declared else {
            throw .corruptSnapshot("body decompressed to \(body.count) bytes, header declares \(bodyLength)")
        }
        return (SnapshotHeader(version: version, bodyBytes: body.count, fileBytes: file.count), body)
    }

    /// The most a zstd frame of `storedBytes` can decompress to: every block carries a 3-byte
    /// header and yields at most 128 KiB (`ZSTD_BLOCKSIZE_MAX`), so a small file can never make the
    /// reader allocate more than its bytes could hold.
    static func maxExpansion(storedBytes: Int) -> Int {
        let blockBytes = 128 << 10
        let (bound, overflow) = (storedBytes / 3 + 1).multipliedReportingOverflow(by: blockBytes)
        return overflow ? Int.max : bound
    }

    private static func hex(_ value: UInt32) -> String {
        "0x" + String(value, radix: 16, uppercase: false)
    }
}
