import ArgumentParser
import Foundation
import TwinlogCommandSupport
import TwinlogGeneration

/// `twinlog logprobs`: how likely SmolLM2 finds a text, token by token (teacher forcing).
struct LogprobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logprobs",
        abstract: "Print the log-probability of every token of a text after the first.")

    @OptionGroup var model: GeneratorModelOptions

    @Flag(help: "Print one JSON object: ids, tokens, logprobs (one per token after the first), sum and perplexity.")
    var json = false

    @Argument(help: "The text to score.")
    var text: [String]

    func run() throws {
        let generator = try model.loadGenerator()
        let ids = generator.tokenizer.encode(text.joined(separator: " "))
        guard ids.count >= 2 else { throw ValidationError("the text must have at least two tokens to score, it has \(ids.count)") }
        let logprobs = try Scoring.tokenLogProbabilities(ids, model: generator.model)
        let sum = logprobs.reduce(0, +)
        let perplexity = Foundation.exp(-sum / Double(logprobs.count))
        if json {
            try printJSONLine(["ids": ids, "tokens": ids.map { generator.tokenizer.tokens[$0] },
                               "logprobs": logprobs, "sum": sum, "perplexity": perplexity])
        } else {
            for (t, logprob) in logprobs.enumerated() {
                print("\(ids[t + 1])\t\(generator.tokenizer.tokens[ids[t + 1]])\t\(String(format: "%.6f", logprob))")
            }
            print("sum \(String(format: "%.4f", sum))  perplexity \(String(format: "%.4f", perplexity))")
        }
    }
}
