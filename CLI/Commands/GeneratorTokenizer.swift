import ArgumentParser
import Foundation
import TwinlogGeneration

/// The generator's tokenizer for `twinlog tokenize --model generator`: load it once, then call
/// `ids(_:)` per text (byte-level BPE from the GGUF; no start token is added).
struct GeneratorTokenizer {
    let tokenizer: Tokenizer

    /// Loads the tokenizer from the GGUF at `modelPath`, else `TWINLOG_GENERATOR_MODEL`, else the
    /// project venv.
    init(modelPath: String? = nil) throws {
        tokenizer = try Tokenizer(gguf: GGUFFile(path: ModelLocator.generatorPath(explicit: modelPath)))
    }

    func ids(_ text: String) -> [Int] { tokenizer.encode(text) }
}

/// The token ids of one text under the generator's tokenizer (loads the tokenizer each call;
/// use `GeneratorTokenizer` for many texts).
func generatorTokenIDs(_ text: String, modelPath: String? = nil) throws -> [Int] {
    try GeneratorTokenizer(modelPath: modelPath).ids(text)
}
