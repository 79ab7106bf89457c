import Foundation
import Testing
@testable import TwinlogGeneration
import TwinlogTestSupport

/// Builds small GGUF v3 files byte by byte, so the reader is tested against the format's layout
/// rather than against itself.
struct GGUFBuilder {
    struct Tensor {
        let name: String
        let dims: [UInt64]
        let type: UInt32
        let data: [UInt8]
    }
    var version: UInt32 = 3
    var magic = Array("GGUF".utf8)
    var metadata: [(String, [UInt8])] = [("general.architecture", Self.stringValue("llama"))]
    var tensors: [Tensor] = []

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    static func string(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }
    static func stringValue(_ s: String) -> [UInt8] { le(UInt32(8)) + string(s) }

    func bytes() -> [UInt8] {
        var out = magic + Self.le(version) + Self.le(UInt64(tensors.count)) + Self.le(UInt64(metadata.count))
        for (key, value) in metadata { out += Self.string(key) + value }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset += (t.data.count + 31) / 32 * 32
        }
        for (t, o) in zip(tensors, offsets) {
            out += Self.string(t.name) + Self.le(UInt32(t.dims.count))
            for d in t.dims { out += Self.le(d) }
            out += Self.le(t.type) + Self.le(UInt64(o))
        }
        while out.count % 32 != 0 { out.append(0) }
        for t in tensors {
            out += t.data
            while out.count % 32 != 0 { out.append(0) }
        }
        return out
    }

    func write() throws -> String {
        let path = temporaryPath("twinlog.gguf")
        try Data(bytes()).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// One tensor of each supported type, with codes chosen so every value is known by formula.
    static func everyType() -> GGUFBuilder {
        var b = GGUFBuilder()
        let f32: [Float] = [1.5, -2, 0, 1e-3]
        b.tensors.append(Tensor(name: "f32", dims: [4], type: 0, data: f32.flatMap { le($0.bitPattern) }))
        b.tensors.append(Tensor(name: "f16", dims: [4], type: 1,
                                data: [UInt16(0x3C00), 0xC000, 0x3800, 0x7BFF].flatMap { le($0) }))
        let nibbles = (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        b.tensors.append(Tensor(name: "q4_0", dims: [32], type: 2, data: le(UInt16(0x4000)) + nibbles))
        b.tensors.append(Tensor(name: "q4_1", dims: [32], type: 3, data: le(UInt16(0x3800)) + le(UInt16(0xBC00)) + nibbles))
        b.tensors.append(Tensor(name: "q8_0", dims: [32], type: 8,
                                data: le(UInt16(0x3400)) + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }))
        return b
    }
}

@Suite("the GGUF reader")
struct GGUFTests {
    @Test("dequantizes F32, F16, Q4_0, Q4_1 and Q8_0 blocks to the values ggml defines")
    func dequantizesEveryType() throws {
        let path = try GGUFBuilder.everyType().write()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try GGUFFile(path: path)
        #expect(file.version == 3)
        #expect(file.metadata["general.architecture"] == .string("llama"))
        #expect(try file.dequantized("f32") == [1.5, -2, 0, 1e-3])
        #expect(try file.dequantized("f16") == [1, -2, 0.5, 65504])
        let low = (0..<16).map(Float.init), high = (0..<16).map { Float(15 - $0) }
        #expect(try file.dequantized("q4_0") == (low + high).map { ($0 - 8) * 2 })
        #expect(try file.dequantized("q4_1") == (low + high).map { $0 * 0.5 - 1 })
        #expect(try file.dequantized("q8_0") == (0..<32).map { Float($0 - 16) * 0.25 })
    }

    @Test("the real SmolLM2 file: version 3, 272 tensors, Q4_1 matrices, a Q8_0 embedding and F32 norms")
    func readsRealFile() throws {
        let file = try RealModel.file.get()
        #expect(file.version == 3)
        #expect(file.tensors.count == 272)
        #expect(try file.tensor("token_embd.weight").type == .q8_0)
        #expect(try file.tensor("token_embd.weight").dimensions == [576, 49152])
        #expect(try file.tensor("blk.29.ffn_down.weight").type == .q4_1)
        #expect(try file.tensor("output_norm.weight").type == .f32)
        #expect(try file.requiredString("tokenizer.ggml.pre") == "smollm")
        #expect(throws: GGUFError.self) { try file.tensor("no.such.tensor") }
    }

    @Test("every truncation of a valid file is an error, never a crash")
    func truncatedFiles() throws {
        let full = GGUFBuilder.everyType().bytes()
        for length in stride(from: 0, to: full.count - 32, by: 1) {
            let path = temporaryPath("cut-\(length).gguf")
            try Data(full.prefix(length)).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: GGUFError.self, "cut at \(length)") { try GGUFFile(path: path) }
        }
    }

    @Test("names what is wrong: not GGUF, an unknown version, an unsupported tensor type, data past the end")
    func explainsBadFiles() throws {
        func message(_ builder: GGUFBuilder) throws -> String {
            let path = try builder.write()
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try GGUFFile(path: path)
                return "no error"
            } catch let error as GGUFError {
                return error.description
            }
        }
        var notGGUF = GGUFBuilder.everyType()
        notGGUF.magic = Array("GGML".utf8)
        #expect(try message(notGGUF).contains("not a GGUF file"))
        var future = GGUFBuilder.everyType()
        future.version = 4
        #expect(try message(future).contains("version 4"))
        var iQuant = GGUFBuilder.everyType()
        iQuant.tensors.append(.init(name: "blk.0.ffn_up.weight", dims: [256], type: 16, data: Array(repeating: 0, count: 66)))
        let iMessage = try message(iQuant)
        #expect(iMessage.contains("IQ2_XXS") && iMessage.contains("blk.0.ffn_up.weight") && iMessage.contains("Q4_K"))
        var tooBig = GGUFBuilder.everyType()
        tooBig.tensors.append(.init(name: "huge", dims: [1 << 20], type: 0, data: []))
        #expect(try message(tooBig).contains("huge"))
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
    }
}
