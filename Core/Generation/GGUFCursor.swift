import TwinlogRuntime

/// A bounds-checked little-endian reader over the mapped bytes of a GGUF file; every read that
/// would run past the end throws with the offset instead of trapping.
struct GGUFCursor {
    let file: MappedFile
    private(set) var offset = 0

    init(file: MappedFile) { self.file = file }

    func error(_ message: String, at position: Int? = nil) -> GGUFError {
        GGUFError(path: file.path, offset: position ?? offset, message)
    }

    mutating func take(_ n: Int, what: String) throws -> Int {
        guard n >= 0, n <= file.count - offset else {
            throw error("the file ends inside \(what) (needs \(n) bytes, \(file.count - offset) left)")
        }
        defer { offset += n }
        return offset
    }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, what: String) throws -> T {
        let at = try take(MemoryLayout<T>.size, what: what)
        return T(littleEndian: file.base.loadUnaligned(fromByteOffset: at, as: T.self))
    }

    mutating func readFloat(what: String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what: what))
    }

    mutating func readDouble(what: String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what: what))
    }

    /// A count or size read from the file, checked against what the bytes after it can hold when
    /// each item takes at least `itemBytes` (so nothing sized by it can outgrow the file).
    mutating func readCount(what: String, itemBytes: Int = 0) throws -> Int {
        let start = offset
        let n = try read(UInt64.self, what: what)
        let limit = itemBytes > 0 ? (file.count - offset) / itemBytes : file.count
        guard n <= UInt64(limit) else {
            throw error("\(what) claims \(n), more than the \(file.count - offset) bytes left in the file could hold", at: start)
        }
        return Int(n)
    }

    mutating func readString(what: String) throws -> String {
        let n = try readCount(what: "the length of \(what)")
        let at = try take(n, what: what)
        let bytes = UnsafeRawBufferPointer(start: file.base + at, count: n)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One metadata value of the given GGUF value type id.
    mutating func readValue(type: UInt32, what: String) throws -> GGUFValue {
        switch type {
        case 0: return .uint(UInt64(try read(UInt8.self, what: what)))
        case 1: return .int(Int64(try read(Int8.self, what: what)))
        case 2: return .uint(UInt64(try read(UInt16.self, what: what)))
        case 3: return .int(Int64(try read(Int16.self, what: what)))
        case 4: return .uint(UInt64(try read(UInt32.self, what: what)))
        case 5: return .int(Int64(try read(Int32.self, what: what)))
        case 6: return .float(Double(try readFloat(what: what)))
        case 7:
            let start = offset
            let b = try read(UInt8.self, what: what)
            guard b <= 1 else { throw error("\(what) is a bool with the byte \(b)", at: start) }
            return .bool(b == 1)
        case 8: return .string(try readString(what: what))
        case 9:
            let start = offset
            let elementType = try read(UInt32.self, what: "the element type of \(what)")
            guard elementType != 9 else { throw error("\(what) is an array of arrays, which GGUF does not allow", at: start) }
            let n = try readCount(what: "the length of \(what)", itemBytes: Self.minimumBytes(ofType: elementType))
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try readValue(type: elementType, what: what)) }
            return .array(items)
        case 10: return .uint(try read(UInt64.self, what: what))
        case 11: return .int(try read(Int64.self, what: what))
        case 12: return .float(try readDouble(what: what))
        default: throw error("\(what) has the unknown value type \(type)", at: offset - 4)
        }
    }

    /// The fewest bytes one value of a GGUF value type takes (a string: its length field).
    static func minimumBytes(ofType type: UInt32) -> Int {
        switch type {
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8, 10, 11, 12: return 8
        default: return 1
        }
    }
}
