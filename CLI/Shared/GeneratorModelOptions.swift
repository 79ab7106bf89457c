import ArgumentParser
import Foundation
import TwinlogGeneration

/// Options shared by the generator's commands: where the GGUF is and how many threads to use.
public struct GeneratorModelOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("model-path"), help: "The GGUF file: llama (SmolLM2, Llama 3.x) or qwen2 (Qwen2.5), F16/BF16/Q4_0…Q8_0/K-quants (default: $TWINLOG_GENERATOR_MODEL, then SmolLM2 in the project venv).")
    public var modelPath: String?

    @Option(help: "Threads for the matrix products (default: all cores).")
    public var threads: Int?

    @Option(help: "How weights are kept: quantized (multiplied in place from the file's blocks, the default) or float32 (dequantized at load).")
    public var weights: WeightFormat = .quantized

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// Loads model and tokenizer after pinning the thread count.
    public func loadGenerator() throws -> Generator {
        if let threads { ComputeThreads.count = threads }
        return try Generator(path: ModelLocator.generatorPath(explicit: modelPath), format: weights)
    }
}

/// Writes one JSON object as a line on standard output.
public func printJSONLine(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

extension WeightFormat: ExpressibleByArgument {}

/// "all" or a comma list of projection names (query, key, value, output, gate, up, down; q, k, v, o also work).
public func parseTargets(_ text: String) throws -> [LinearSlot.Kind] {
    if text == "all" { return LinearSlot.Kind.allCases }
    let short: [String: LinearSlot.Kind] = ["q": .query, "k": .key, "v": .value, "o": .output]
    return try text.split(separator: ",").map { name in
        let name = name.trimmingCharacters(in: .whitespaces)
        guard let kind = LinearSlot.Kind(rawValue: name) ?? short[name] else {
            throw ValidationError("unknown target \(name); use query, key, value, output, gate, up, down or all")
        }
        return kind
    }
}
