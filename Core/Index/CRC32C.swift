/// CRC-32C (Castagnoli), the checksum of snapshot files.
///
/// Written here because the index module depends only on BLAS and zstd: swift-crypto's SHA-256 is in
/// the package graph but not this module's dependencies, and a checksum against accidental damage
/// (torn writes, truncation, bit rot) needs no cryptographic strength. CRC-32C detects every burst
/// error up to 32 bits and is the checksum Kafka itself uses for record batches.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            return crc ^ 0xFFFF_FFFF
        }
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
