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
    /// The default quantized weights (their SIMD kernels are slow in debug builds: use sparingly).
    static let quantizedModel: Result<LlamaModel, any Error> = Result {
        try LlamaModel(gguf: try file.get(), format: .quantized)
    }
}
