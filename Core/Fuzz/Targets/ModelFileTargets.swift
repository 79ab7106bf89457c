import Crypto
import Foundation
import TwinlogEmbedding
import TwinlogGeneration

extension FuzzTarget {
    /// The GGUF reader (header, metadata, tensor directory), dequantization of every tensor, and
    /// the byte-level BPE tokenizer built from the file's metadata.
    static let gguf = FuzzTarget(name: "gguf", summary: "GGUFFile header + tensor directory, dequantized tensors, Tokenizer(gguf:)") {
        let scratch = try ScratchDirectory("gguf")
        return FuzzHarness(name: "gguf", seeds: GGUFSeeds.files, scratch: scratch) { input in
            let file = try GGUFFile(path: try scratch.write(input, to: "input.gguf"))
            for name in file.tensors.keys.sorted() { _ = try file.dequantized(name) }
            if file.metadata["tokenizer.ggml.model"] != nil {
                let tokenizer = try Tokenizer(gguf: file)
                _ = try tokenizer.decode(tokenizer.encode("hello hello<|im_end|> héllo 42"))
            }
        }
    }

    /// The safetensors reader the embedder loads its weights with, and every float32 tensor read.
    static let safetensors = FuzzTarget(name: "safetensors", summary: "SafeTensorsFile header + float32 tensor reads") {
        let scratch = try ScratchDirectory("safetensors")
        return FuzzHarness(name: "safetensors", seeds: SafeTensorsSeeds.files, scratch: scratch) { input in
            let file = try SafeTensorsFile(path: try scratch.write(input, to: "input.safetensors"))
            for (name, tensor) in file.tensors.sorted(by: { $0.key < $1.key }) where tensor.dtype == .f32 {
                _ = try file.float32(name, shape: tensor.shape)
            }
        }
    }

    /// LoRA adapter artifacts as the inference consumer loads them. An input is the artifact
    /// without its SHA-256 trailer: the target seals it, so mutations reach the header and tensor
    /// checks instead of all stopping at the hash.
    static let lora = FuzzTarget(name: "lora", summary: "LoRAArtifact.load (TensorFile container, resealed with its SHA-256) + adapters()") {
        let scratch = try ScratchDirectory("lora")
        var seeds: [[UInt8]] = []
        for (index, configuration) in LoRASeeds.configurations.enumerated() {
            let parameters = LoRAParameters(configuration: configuration, shape: LoRASeeds.shape, seed: UInt64(index + 1))
            let name = "seed-\(index).twlt"
            _ = try LoRAArtifact(parameters: parameters, metadata: ["datasetVersion": "ds-\(index)", "evalPerplexity": "12.5"])
                .write(to: scratch.url.appendingPathComponent(name).path)
            seeds.append(Array(try scratch.read(name).dropLast(SHA256.byteCount)))
        }
        return FuzzHarness(name: "lora", seeds: seeds, scratch: scratch) { input in
            let sealed = input + Array(SHA256.hash(data: input))
            let artifact = try LoRAArtifact.load(path: try scratch.write(sealed, to: "input.twlt"))
            _ = try artifact.parameters.adapters()
        }
    }
}

/// Small GGUF v3 files laid out byte by byte: every metadata value type, a byte-level BPE
/// vocabulary, and one tensor of each supported storage type.
enum GGUFSeeds {
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    static func string(_ text: String) -> [UInt8] { le(UInt64(text.utf8.count)) + Array(text.utf8) }
    static func stringValue(_ text: String) -> [UInt8] { le(UInt32(8)) + string(text) }
    static func stringArray(_ items: [String]) -> [UInt8] { le(UInt32(9)) + le(UInt32(8)) + le(UInt64(items.count)) + items.flatMap(string) }
    static func int32Array(_ items: [Int32]) -> [UInt8] { le(UInt32(9)) + le(UInt32(5)) + le(UInt64(items.count)) + items.flatMap { le($0) } }

    struct Tensor {
        let name: String
        let dims: [UInt64]
        let type: UInt32
        let data: [UInt8]
    }

    static func file(metadata: [(String, [UInt8])], tensors: [Tensor], alignment: Int = 32) -> [UInt8] {
        var out = Array("GGUF".utf8) + le(UInt32(3)) + le(UInt64(tensors.count)) + le(UInt64(metadata.count))
        for (key, value) in metadata { out += string(key) + value }
        var offset = 0
        for tensor in tensors {
            out += string(tensor.name) + le(UInt32(tensor.dims.count))
            for dim in tensor.dims { out += le(dim) }
            out += le(tensor.type) + le(UInt64(offset))
            offset += (tensor.data.count + alignment - 1) / alignment * alignment
        }
        for tensor in tensors {
            while out.count % alignment != 0 { out.append(0) }
            out += tensor.data
        }
        return out
    }

    static var tensors: [Tensor] {
        let nibbles = (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        return [
            Tensor(name: "f32", dims: [4, 2], type: 0, data: ([1.5, -2, 0, 1e-3, 3, 4, 5, 6] as [Float]).flatMap { le($0.bitPattern) }),
            Tensor(name: "f16", dims: [4], type: 1, data: ([0x3C00, 0xC000, 0x3800, 0x7BFF] as [UInt16]).flatMap { le($0) }),
            Tensor(name: "q4_0", dims: [32], type: 2, data: le(UInt16(0x4000)) + nibbles),
            Tensor(name: "q4_1", dims: [32], type: 3, data: le(UInt16(0x3800)) + le(UInt16(0xBC00)) + nibbles),
            Tensor(name: "q8_0", dims: [32, 1], type: 8, data: le(UInt16(0x3400)) + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }),
        ]
    }

    static var files: [[UInt8]] {
        let tokens = ["h", "e", "l", "o", "Ġ", "he", "ll", "hell", "hello", "<|im_end|>", "4", "2"]
        let metadata: [(String, [UInt8])] = [
            ("general.architecture", stringValue("llama")),
            ("general.alignment", le(UInt32(4)) + le(UInt32(32))),
            ("llama.block_count", le(UInt32(4)) + le(UInt32(1))),
            ("llama.context_length", le(UInt32(10)) + le(UInt64(2048))),
            ("llama.rope.freq_base", le(UInt32(6)) + le(Float(10_000).bitPattern)),
            ("llama.attention.layer_norm_rms_epsilon", le(UInt32(12)) + le((1e-5 as Double).bitPattern)),
            ("general.quantized", le(UInt32(7)) + [1]),
            ("general.file_type", le(UInt32(0)) + [2]),
            ("general.small", le(UInt32(1)) + [0xFF]),
            ("general.half", le(UInt32(2)) + le(UInt16(7))),
            ("general.signed", le(UInt32(3)) + le(Int16(-7))),
            ("general.int", le(UInt32(5)) + le(Int32(-1))),
            ("general.long", le(UInt32(11)) + le(Int64(-2))),
            ("tokenizer.ggml.model", stringValue("gpt2")),
            ("tokenizer.ggml.pre", stringValue("smollm")),
            ("tokenizer.ggml.tokens", stringArray(tokens)),
            ("tokenizer.ggml.token_type", int32Array(tokens.map { $0 == "<|im_end|>" ? 3 : 1 })),
            ("tokenizer.ggml.merges", stringArray(["h e", "l l", "he ll", "hell o"])),
            ("tokenizer.ggml.eos_token_id", le(UInt32(4)) + le(UInt32(9))),
        ]
        return [
            file(metadata: metadata, tensors: tensors),
            file(metadata: [("general.architecture", stringValue("llama"))], tensors: Array(tensors.prefix(2))),
            file(metadata: [("general.alignment", le(UInt32(4)) + le(UInt32(64)))], tensors: Array(tensors.suffix(3)), alignment: 64),
        ]
    }
}

/// Small safetensors files: an 8-byte little-endian header length, the JSON header, the data.
enum SafeTensorsSeeds {
    static func file(header: String, data: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init) + Array(header.utf8) + data
    }

    static func floats(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }

    static var files: [[UInt8]] {
        let header = #"{"__metadata__":{"format":"pt"},"embeddings.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"#
            + #""bias":{"dtype":"F16","shape":[4],"data_offsets":[24,32]},"ids":{"dtype":"I64","shape":[2],"data_offsets":[32,48]},"#
            + #""scale":{"dtype":"F32","shape":[],"data_offsets":[48,52]}}"#
        let data = floats([1, 2, 3, 4, 5, 6]) + [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B]
            + withUnsafeBytes(of: Int64(7).littleEndian, Array.init) + withUnsafeBytes(of: Int64(-1).littleEndian, Array.init)
            + floats([0.5])
        return [
            file(header: header, data: data),
            file(header: #"{"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}"#, data: floats([1, 2])),
        ]
    }
}

/// The LoRA settings and model shape of the seed adapters: small, and covering every projection.
enum LoRASeeds {
    static let shape = ModelShape(layers: 2, modelDim: 8, ffnDim: 16, kvDim: 4)
    static let configurations = [
        LoRAConfiguration(rank: 2, alpha: 16, dropout: 0, targets: [.query, .value]),
        LoRAConfiguration(rank: 1, alpha: 4, dropout: 0.1, targets: LoRAConfiguration.allLinearLayers),
    ]
}
