import ArgumentParser
import Foundation
import TwinlogEmbedding
import TwinlogText

/// `twinlog tokenize`: the token ids a model reads, one JSON array per input text.
struct TokenizeCommand: ParsableCommand {
    /// Which model's tokenizer to run.
    enum Model: String, ExpressibleByArgument, CaseIterable {
        case embedder, generator
    }

    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids a model reads, one JSON array per input text.",
        discussion: """
            embedder: all-MiniLM-L6-v2's WordPiece ids with [CLS] and [SEP], truncated to 256 as the \
            model reads them. generator: SmolLM2's byte-level BPE ids (no start token). Texts come from the arguments, or one per line from standard input when \
            the only argument is '-'.
            """)

    @Option(name: .long, help: "The tokenizer: embedder or generator.")
    var model: Model = .embedder

    @Option(name: .long, help: "The model: the embedder's folder ($TWINLOG_EMBEDDER_MODEL) or the generator's GGUF file ($TWINLOG_GENERATOR_MODEL); default: the project venv.")
    var modelPath: String?

    @Argument(help: "Texts to tokenize, or '-' to read one text per line from standard input.")
    var texts: [String] = []

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give texts to tokenize, or '-' to read them from standard input") }
    }

    func run() throws {
        switch model {
        case .embedder:
            let folder = try EmbedderModelLocator.locate(explicitPath: modelPath)
            let tokenizer = try WordPieceTokenizer(vocabularyFile: folder.appendingPathComponent("vocab.txt"))
            let inputs = texts == ["-"] ? StandardInputLines.read() : texts
            let lines = inputs.map { "[" + tokenizer.encode($0).map(String.init).joined(separator: ",") + "]\n" }
            FileHandle.standardOutput.write(Data(lines.joined().utf8))
        case .generator:
            let tokenizer = try GeneratorTokenizer(modelPath: modelPath)
            let inputs = texts == ["-"] ? StandardInputLines.read() : texts
            let lines = inputs.map { "[" + tokenizer.ids($0).map(String.init).joined(separator: ",") + "]\n" }
            FileHandle.standardOutput.write(Data(lines.joined().utf8))
        }
    }
}
