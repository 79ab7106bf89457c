import Foundation
import Testing
@testable import TwinlogGeneration

/// The golden outputs in Fixtures/ (see Fixtures/README.md for where they come from).
struct TokenizerFixture: Decodable {
    struct Item: Decodable {
        let name: String
        let text: String
        let input_ids: [Int]
        let decoded: String
        let decoded_skip_special_tokens: String
        let smollm_digit_pretokenizer_agrees: Bool
        let input_ids_smollm_digit_pretokenizer: [Int]?

        /// The ids under the GGUF's declared `smollm` pre-tokenizer.
        var expectedIDs: [Int] { input_ids_smollm_digit_pretokenizer ?? input_ids }
    }
    struct ChatTemplateSection: Decodable {
        struct Message: Decodable { let role: String; let content: String }
        struct Item: Decodable {
            let name: String
            let messages: [Message]
            let add_generation_prompt: Bool
            let rendered_text: String
            let input_ids: [Int]
        }
        let items: [Item]
    }
    let items: [Item]
    let chat_template: ChatTemplateSection
}

struct LogitsFixture: Decodable {
    struct Prompt: Decodable {
        struct LastPosition: Decodable {
            let top10: [[Double]]
            let first8_logits: [Double]
            let logsumexp: Double
        }
        struct Greedy: Decodable {
            let new_ids: [Int]
            let min_margin: Double
            let step_margin_top1_minus_top2: [Double]
        }
        let name: String
        let kind: String
        let prompt_text: String
        let input_ids: [Int]
        let last_position: LastPosition
        let greedy: Greedy
    }
    struct TeacherForced: Decodable {
        let text: String
        let input_ids: [Int]
        let token_logprobs: [Double]
        let sum_logprob: Double
    }
    let prompts: [Prompt]
    let teacher_forced_logprobs: TeacherForced
}

enum Fixtures {
    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"),
                               "fixture \(name).json is missing from the test bundle")
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    static func tokenizer() throws -> TokenizerFixture { try load("smollm2_tokenizer_public", as: TokenizerFixture.self) }
    static func logits() throws -> LogitsFixture { try load("smollm2_logits_public", as: LogitsFixture.self) }
}

/// The real SmolLM2 weights, loaded once for all tests. A missing file is an error whose message
/// says how to install it, so the tests that need it fail loudly instead of skipping.
enum RealModel {
    static let file: Result<GGUFFile, any Error> = Result {
        try GGUFFile(path: try ModelLocator.generatorPath(startingAt: FileManager.default.currentDirectoryPath))
    }
    static let tokenizer: Result<Tokenizer, any Error> = Result { try Tokenizer(gguf: try file.get()) }
    /// Float32 weights: the products run in OpenBLAS, which keeps debug-build tests fast.
    static let model: Result<LlamaModel, any Error> = Result { try LlamaModel(gguf: try file.get(), format: .float32) }
    /// The default quantized weights, multiplied by the best kernels of this CPU (AVX2, NEON: int8 activations).
    static let quantizedModel: Result<LlamaModel, any Error> = Result {
        try LlamaModel(gguf: try file.get(), format: .quantized)
    }
    /// Quantized weights multiplied by the portable kernels (Float32 activations).
    static let portableQuantizedModel: Result<LlamaModel, any Error> = Result {
        try LlamaModel(gguf: try file.get(), format: .quantized, kernels: .portable)
    }
}

/// The most the SIMD kernels' int8 activations can move Σ w·x: per block of `width` values of x
/// (32, or 256 for the K-quants), each rounded by at most half its step d = max|x| / 127, times
/// Σ |w| over the block.
func int8ActivationBound(row: [Float], x: [Float], block width: Int = 32) -> Double {
    stride(from: 0, to: x.count, by: width).reduce(0.0) { total, start in
        let block = start..<min(start + width, x.count)
        let step = Double(x[block].map { abs($0) }.max() ?? 0) / 127
        return total + step / 2 * block.reduce(0.0) { $0 + abs(Double(row[$1])) }
    }
}

/// Raw blocks of every supported quantized type and gguf-py's dequantization of them
/// (Fixtures/make_quant_fixture.py).
struct QuantBlocksFixture: Decodable {
    struct Entry: Decodable {
        let type: String
        let typeId: UInt32
        let elements: Int
        let source: String
        let bytes: String
        let expected: String

        /// The block bytes.
        var blockBytes: [UInt8] { Self.hex(bytes) }
        /// The expected values, from their little-endian float32 bit patterns.
        var expectedValues: [Float] {
            let raw = Self.hex(expected)
            return stride(from: 0, to: raw.count, by: 4).map { i in
                Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
            }
        }

        static func hex(_ text: String) -> [UInt8] {
            let digits = Array(text.utf8)
            return stride(from: 0, to: digits.count - 1, by: 2).map { i in
                UInt8(String(decoding: digits[i..<(i + 2)], as: UTF8.self), radix: 16)!
            }
        }
    }
    let entries: [Entry]
}

extension Fixtures {
    static func quantBlocks() throws -> QuantBlocksFixture { try load("quant_blocks", as: QuantBlocksFixture.self) }
}

/// llama.cpp's logits for the tiny qwen2 and Llama 3 models, and a float64 numpy forward pass's
/// (Fixtures/make_arch_fixtures.py).
struct ArchReferenceFixture: Decodable {
    struct Sequence: Decodable {
        let ids: [Int]
        let firstLogits: [Float]
        let lastLogits: [Float]
        let greedy: [Int]
        let exactFirstLogits: [Float]
        let exactLastLogits: [Float]
        let exactGreedy: [Int]
        let exactGreedyMargins: [Float]
    }
    struct Model: Decodable {
        let file: String
        let sequences: [Sequence]
    }
    let models: [Model]
}

/// The pieces Python's `regex` makes of tricky strings with the Llama 3 and Qwen2 patterns.
struct PreTokenizerCases: Decodable {
    struct Case: Decodable {
        let text: String
        let llama3: [String]
        let qwen2: [String]
    }
    let cases: [Case]
}

extension Fixtures {
    static func archReference() throws -> ArchReferenceFixture { try load("arch_reference", as: ArchReferenceFixture.self) }
    static func preTokenizerCases() throws -> PreTokenizerCases { try load("pretokenizer_cases", as: PreTokenizerCases.self) }

    /// A GGUF file among the fixtures.
    static func gguf(_ name: String) throws -> GGUFFile {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil),
                               "fixture \(name) is missing from the test bundle")
        return try GGUFFile(path: url.path)
    }
}
