import Foundation
import Testing
import TwinlogEmbedding
import TwinlogTestSupport

@Suite("safetensors reader and model loading")
struct SafeTensorsTests {
    /// A temporary folder removed when the test ends.
    final class Scratch {
        let url = URL(fileURLWithPath: temporaryPath("safetensors"))
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }

        func file(_ name: String, _ data: Data) throws -> String {
            let path = url.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    /// A safetensors file: 8-byte little-endian header length, the JSON header, the data.
    static func safetensors(header: String, data: Data) -> Data {
        var length = UInt64(header.utf8.count).littleEndian
        return Data(bytes: &length, count: 8) + Data(header.utf8) + data
    }

    static func floats(_ values: [Float]) -> Data {
        values.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    @Test("a well-formed file reads back its float32 values")
    func roundTrip() throws {
        let scratch = try Scratch()
        let header = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#
        let path = try scratch.file("ok.safetensors", Self.safetensors(header: header, data: Self.floats([1, 2, 3, 4, 5, 6])))
        let file = try SafeTensorsFile(path: path)
        #expect(try file.float32("w", shape: [2, 3]) == [1, 2, 3, 4, 5, 6])
        #expect(file.tensors["w"]?.dtype == .f32)
    }

    @Test("malformed files are rejected with the file and the reason", arguments: [
        ("short", "", "too short"),
        ("long-header", "HUGE", "header but holds"),
        ("not-json", "[1, 2, 3]", "not a JSON object"),
        ("outside", #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,800]}}"#, "outside the"),
        ("wrong-size", #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}}"#, "not what F32 [2, 2] needs"),
        ("bad-dtype", #"{"w":{"dtype":"F12","shape":[2],"data_offsets":[0,8]}}"#, "unknown dtype F12"),
        ("no-offsets", #"{"w":{"dtype":"F32","shape":[2]}}"#, "without dtype, shape and data_offsets"),
    ])
    func malformed(name: String, header: String, reason: String) throws {
        let scratch = try Scratch()
        let data: Data
        switch header {
        case "": data = Data([1, 2, 3])
        case "HUGE": data = Self.safetensors(header: "{}", data: Data()).replacingFirstByte(with: 0xFF)
        default: data = Self.safetensors(header: header, data: Self.floats([1, 2]))
        }
        let path = try scratch.file("\(name).safetensors", data)
        #expect {
            _ = try SafeTensorsFile(path: path)
        } throws: { error in
            let message = "\(error)"
            return message.contains(path) && message.contains(reason)
        }
    }

    @Test("reading a tensor that is missing, misshaped or not float32 names the tensor (real model file)")
    func wrongTensorRequests() throws {
        let file = try SafeTensorsFile(path: ModelFolder.url().appendingPathComponent("model.safetensors").path)
        func fails(_ name: String, _ shape: [Int], _ reason: String) {
            #expect {
                _ = try file.float32(name, shape: shape)
            } throws: { error in
                let error = error as? SafeTensorsError
                return error?.path == file.path && error?.tensor == name && error?.reason == reason
            }
        }
        fails("no.such.tensor", [1], "is missing")
        fails("embeddings.LayerNorm.weight", [768], "has shape [384], expected [768]")
        fails("embeddings.position_ids", [1, 512], "is I64, expected F32")
    }

    @Test("a model folder whose weights lack a tensor or misshape one fails to load, naming the tensor")
    func incompleteModel() throws {
        let scratch = try Scratch()
        let real = try ModelFolder.url()
        for name in ["config.json", "vocab.txt"] {
            try FileManager.default.copyItem(at: real.appendingPathComponent(name), to: scratch.url.appendingPathComponent(name))
        }
        let misshaped = #"{"embeddings.word_embeddings.weight":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}}"#
        _ = try scratch.file("model.safetensors", Self.safetensors(header: misshaped, data: Self.floats([1, 2])))
        #expect {
            _ = try Embedder(modelDirectory: scratch.url)
        } throws: { error in
            "\(error)".contains("tensor embeddings.word_embeddings.weight has shape [2, 1], expected [30522, 384]")
        }
        let other = #"{"something.else":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        _ = try scratch.file("model.safetensors", Self.safetensors(header: other, data: Self.floats([1, 2])))
        #expect {
            _ = try Embedder(modelDirectory: scratch.url)
        } throws: { error in
            "\(error)".contains("tensor embeddings.word_embeddings.weight is missing")
        }
    }

    @Test("a config.json for another architecture or activation is rejected")
    func wrongConfiguration() throws {
        let scratch = try Scratch()
        let real = try ModelFolder.url()
        let config = try String(contentsOf: real.appendingPathComponent("config.json"), encoding: .utf8)
        _ = try scratch.file("config.json", Data(config.replacingOccurrences(of: "\"gelu\"", with: "\"relu\"").utf8))
        #expect(throws: EmbedderModelError.self) { _ = try Embedder(modelDirectory: scratch.url) }
        _ = try scratch.file("config.json", Data(config.replacingOccurrences(of: "\"num_attention_heads\": 12", with: "\"num_attention_heads\": 7").utf8))
        #expect {
            _ = try Embedder(modelDirectory: scratch.url)
        } throws: { error in "\(error)".contains("which 7 heads do not divide") }
    }
}

private extension Data {
    func replacingFirstByte(with byte: UInt8) -> Data {
        var copy = self
        copy[copy.startIndex] = byte
        return copy
    }
}
