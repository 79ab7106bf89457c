import Foundation
import Testing
@testable import TwinlogGeneration

/// GGUF files crafted to overflow the reader's arithmetic or make it allocate what the file cannot
/// back: each is refused with an error naming the field, never a trap.
@Suite("hostile GGUF files")
struct GGUFHostileInputTests {
    typealias B = GGUFBuilder

    static func expectRefused(_ bytes: [UInt8], mentioning words: String) {
        let error = #expect(throws: GGUFError.self) { try GGUFFile(bytes: bytes, name: "hostile.gguf") }
        #expect(error.map { $0.description.contains(words) } == true, "\(String(describing: error))")
    }

    static func withAlignment(_ value: [UInt8]) -> [UInt8] {
        var b = GGUFBuilder.everyType()
        b.metadata.append(("general.alignment", value))
        return b.bytes()
    }

    @Test("an alignment that overflows the padding arithmetic (2^63 − 8) or does not fit an Int (2^63) is refused by name")
    func alignment() {
        Self.expectRefused(Self.withAlignment(B.le(UInt32(10)) + B.le(UInt64(Int.max - 7))), mentioning: "general.alignment")
        Self.expectRefused(Self.withAlignment(B.le(UInt32(10)) + B.le(UInt64(1) << 63)), mentioning: "general.alignment")
        Self.expectRefused(Self.withAlignment(B.le(UInt32(4)) + B.le(UInt32(0))), mentioning: "general.alignment")
        Self.expectRefused(Self.withAlignment(B.stringValue("32")), mentioning: "general.alignment")
    }

    @Test("a tensor whose byte size overflows ([65536, 65536, 65536, 16384] of F32) is refused, not trapped on")
    func overflowingTensorBytes() {
        var b = GGUFBuilder()
        // Dimensions may not exceed the file's size: a 70 kB string makes these legal ones.
        b.metadata.append(("padding", B.stringValue(String(repeating: "x", count: 70_000))))
        b.tensors.append(.init(name: "huge", dims: [65536, 65536, 65536, 16384], type: 0, data: []))
        Self.expectRefused(b.bytes(), mentioning: "tensor huge has dimensions")
    }

    @Test("counts the remaining bytes cannot hold are refused before anything is reserved")
    func counts() {
        var header = Array("GGUF".utf8) + B.le(UInt32(3))
        Self.expectRefused(header + B.le(UInt64(1) << 62) + B.le(UInt64(0)), mentioning: "the tensor count")
        Self.expectRefused(header + B.le(UInt64(0)) + B.le(UInt64.max), mentioning: "the metadata count")
        header += B.le(UInt64(0)) + B.le(UInt64(1)) + B.string("tokens")
        // An array of 50 uint64 values with 64 bytes left: fewer than the file's size, more than
        // the bytes after the count can hold.
        let array = B.le(UInt32(9)) + B.le(UInt32(10)) + B.le(UInt64(50)) + [UInt8](repeating: 0, count: 64)
        Self.expectRefused(header + array, mentioning: "the length of metadata tokens claims 50, more than the 64 bytes left")
    }

    @Test("a file read from memory parses like the same file read from disk")
    func inMemory() throws {
        let bytes = GGUFBuilder.everyType().bytes()
        let file = try GGUFFile(bytes: bytes, name: "every-type.gguf")
        #expect(file.path == "every-type.gguf")
        #expect(try file.dequantized("f32") == [1.5, -2, 0, 1e-3])
        Self.expectRefused([], mentioning: "empty")
    }
}
