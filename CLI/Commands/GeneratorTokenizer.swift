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

/// Options shared by the generator's commands: where the GGUF is and how many threads to use.
struct GeneratorModelOptions: ParsableArguments {
    @Option(name: .customLong("model-path"), help: "The GGUF file: llama (SmolLM2, Llama 3.x) or qwen2 (Qwen2.5), F16/BF16/Q4_0…Q8_0/K-quants (default: $TWINLOG_GENERATOR_MODEL, then SmolLM2 in the project venv).")
    var modelPath: String?

    @Option(help: "Threads for the matrix products (default: all cores).")
    var threads: Int?

    @Option(help: "How weights are kept: quantized (multiplied in place from the file's blocks, the default) or float32 (dequantized at load).")
    var weights: WeightFormat = .quantized

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Loads model and tokenizer after pinning the thread count.
    func loadGenerator() throws -> Generator {
        if let threads { ComputeThreads.count = threads }
        return try Generator(path: ModelLocator.generatorPath(explicit: modelPath), format: weights)
    }
}

/// Writes one JSON object as a line on standard output.
func printJSONLine(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

extension WeightFormat: ExpressibleByArgument {}
