/// Appends little-endian fields to a growing byte buffer (the snapshot body).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func reserve(_ count: Int) { bytes.reserveCapacity(count) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func blob(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ value: String) { blob(Array(value.utf8)) }

    mutating func floats(_ values: UnsafePointer<Float>, count: Int) {
        #if _endian(little)
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: values, count: count * 4))
        #else
        for index in 0..<count { u32(values[index].bitPattern) }
        #endif
    }
}

/// Reads little-endian fields with bounds checks; every failure names the field and the byte
/// offset, so a damaged snapshot is reported precisely instead of crashing the loader.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }
    var remaining: Int { bytes.count - offset }

    private mutating func take(_ count: Int, _ field: String) throws(IndexError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw .corruptSnapshot("\(field) at byte \(offset) needs \(count) bytes, \(remaining) remain")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func u8(_ field: String) throws(IndexError) -> UInt8 {
        try take(1, field).first!
    }

    mutating func u32(_ field: String) throws(IndexError) -> UInt32 {
        let slice = try take(4, field)
        return slice.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func i32(_ field: String) throws(IndexError) -> Int32 {
        Int32(bitPattern: try u32(field))
    }

    mutating func u64(_ field: String) throws(IndexError) -> UInt64 {
        let slice = try take(8, field)
        return slice.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func blob(_ field: String) throws(IndexError) -> [UInt8] {
        let count = try u32("length of \(field)")
        return Array(try take(Int(count), field))
    }

    mutating func string(_ field: String) throws(IndexError) -> String {
        let start = offset
        guard let value = String(validating: try blob(field), as: UTF8.self) else {
            throw .corruptSnapshot("\(field) at byte \(start) is not valid UTF-8")
        }
        return value
    }

    /// Copies `count` floats into `destination`.
    mutating func floats(into destination: UnsafeMutablePointer<Float>, count: Int, _ field: String) throws(IndexError) {
        let slice = try take(count * 4, field)
        guard count > 0 else { return }
        slice.withUnsafeBytes { raw in
            #if _endian(little)
            UnsafeMutableRawPointer(destination).copyMemory(from: raw.baseAddress!, byteCount: count * 4)
            #else
            for index in 0..<count {
                destination[index] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
            }
            #endif
        }
    }
}
