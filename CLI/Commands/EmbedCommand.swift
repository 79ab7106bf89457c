import ArgumentParser
import Foundation
import TwinlogEmbedding

/// `twinlog embed`: sentence embeddings from the in-process all-MiniLM-L6-v2, one line per text.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with all-MiniLM-L6-v2 (384 floats of unit length per text).",
        discussion: """
            Prints one line per input text, in input order. Texts come from the arguments, or one per \
            line from standard input when the only argument is '-'. The model folder is --model-path, \
            else $\(EmbedderModelLocator.environmentVariable), else the project venv.
            """)

    @Flag(name: .long, help: "Print each embedding as a JSON array of floats.")
    var json = false

    @Option(name: .long, help: "The all-MiniLM-L6-v2 folder (config.json, model.safetensors, vocab.txt).")
    var modelPath: String?

    @Option(name: .long, help: "Texts per forward pass.")
    var batchSize = Embedder.defaultBatchSize

    @Option(name: .long, help: "Threads for one forward pass (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Print throughput and peak memory to standard error.")
    var stats = false

    @Argument(help: "Texts to embed, or '-' to read one text per line from standard input.")
    var texts: [String] = []

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        guard !texts.isEmpty else { throw ValidationError("give texts to embed, or '-' to read them from standard input") }
    }

    func run() async throws {
        let inputs = texts == ["-"] ? StandardInputLines.read() : texts
        let embedder = try Embedder(locatingModelAt: modelPath, batchSize: batchSize, threads: threads)
        let vectors = await embedder.embed(inputs)
        var output = ""
        for (text, vector) in zip(inputs, vectors) {
            if json {
                output += "[" + vector.map { "\($0)" }.joined(separator: ",") + "]\n"
            } else {
                let head = vector.prefix(4).map { String(format: "%.4f", $0) }.joined(separator: ", ")
                output += "\(head), … (\(vector.count) values)\t\(text.prefix(60))\n"
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if stats {
            let t = embedder.throughput
            let peak = PeakMemory.residentMegabytes.map { String(format: "%.0f MB", $0) } ?? "unknown"
            let line = String(format: "embedded %d texts (%d tokens) in %.3f s: %.2f texts/s, %.0f tokens/s; peak RSS %@\n",
                              t.texts, t.tokens, t.seconds, t.textsPerSecond, t.tokensPerSecond, peak)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}

/// Standard input split into lines (a final newline does not add an empty text).
enum StandardInputLines {
    static func read() -> [String] {
        let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// The process's peak resident memory, from Linux's /proc/self/status (nil elsewhere).
enum PeakMemory {
    static var residentMegabytes: Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes / 1024
    }
}
