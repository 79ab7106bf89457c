import Foundation
import Testing
import TwinlogEmbedding

/// safetensors files crafted to overflow the reader's arithmetic: refused with the reason, never a trap.
@Suite("hostile safetensors files")
struct SafeTensorsHostileInputTests {
    static func header(length: UInt64, then rest: [UInt8] = []) -> [UInt8] {
        withUnsafeBytes(of: length.littleEndian, Array.init) + rest
    }

    @Test("a header length of UInt64.max or 2^63 is refused, not converted to Int", arguments: [UInt64.max, UInt64(1) << 63, 100_000_001])
    func headerLength(length: UInt64) {
        let error = #expect(throws: SafeTensorsError.self) {
            try SafeTensorsFile(bytes: Self.header(length: length, then: Array("{}".utf8)), name: "hostile.safetensors")
        }
        #expect(error?.reason.contains("declares a \(length)-byte header") == true, "\(String(describing: error))")
        #expect(error?.path == "hostile.safetensors")
    }

    @Test("a shape whose byte count overflows is refused with the tensor's name")
    func overflowingShape() {
        let json = #"{"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#
        let error = #expect(throws: SafeTensorsError.self) {
            try SafeTensorsFile(bytes: Self.header(length: UInt64(json.utf8.count), then: Array(json.utf8) + [UInt8](repeating: 0, count: 8)))
        }
        #expect(error?.tensor == "w")
    }

    @Test("a file read from memory parses like one read from disk")
    func inMemory() throws {
        let json = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let values: [Float] = [1.5, -2]
        let data = values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        let file = try SafeTensorsFile(bytes: Self.header(length: UInt64(json.utf8.count), then: Array(json.utf8) + data))
        #expect(try file.float32("w", shape: [2]) == values)
    }
}
