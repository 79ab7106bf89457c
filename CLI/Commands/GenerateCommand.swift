import ArgumentParser
import Foundation
import TwinlogGeneration

/// `twinlog generate`: continue a prompt (or answer it as a ChatML user turn) with SmolLM2.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with the SmolLM2 language model.")

    @OptionGroup var model: GeneratorModelOptions

    @Flag(help: """
        Wrap the prompt as a user turn of the ChatML template (default system message) and stop at <|im_end|>. \
        Without it the prompt is used as is (special tokens in it are recognised) and generation runs to the \
        token limit, past end-of-sequence tokens, as the reference greedy outputs do.
        """)
    var chat = false

    @Flag(help: "Pick the most likely token at every step (the default unless --temperature is given).")
    var greedy = false

    @Option(help: "Sampling temperature (> 0 samples; 0 is greedy).")
    var temperature: Float?

    @Option(name: .customLong("top-p"), help: "Nucleus sampling: keep the most likely tokens up to this probability mass.")
    var topP: Float = 1

    @Option(name: .customLong("top-k"), help: "Keep only the k most likely tokens (0 keeps all).")
    var topK: Int = 0

    @Option(name: .customLong("repetition-penalty"), help: "Penalty for tokens already in the context (1 is off).")
    var repetitionPenalty: Float = 1

    @Option(help: "Seed of the sampler's random generator.")
    var seed: UInt64 = 0

    @Option(name: .customLong("max-tokens"), help: "At most this many new tokens.")
    var maxTokens: Int

    @Option(name: .customLong("time-limit"), help: "Stop after this many seconds (at most 86400).",
            transform: SecondsFlag.within(0...86_400))
    var timeLimit: Duration?

    @Option(name: .customLong("stop"), help: "Stop when the text contains this (repeatable).")
    var stop: [String] = []

    @Flag(help: "Print {\"prompt_ids\": [...], \"ids\": [...], \"text\": \"...\"} instead of streaming text.")
    var json = false

    @Flag(help: "Print prefill and decode speed as a JSON line on standard error.")
    var stats = false

    @Argument(help: "The prompt.")
    var prompt: String

    func validate() throws {
        if greedy && temperature != nil { throw ValidationError("--greedy and --temperature exclude each other") }
        if maxTokens < 0 { throw ValidationError("--max-tokens must be ≥ 0") }
    }

    func run() throws {
        let generator = try model.loadGenerator()
        let promptIDs = chat ? ChatTemplate.encode([ChatMessage(role: .user, content: prompt)], with: generator.tokenizer)
            : generator.tokenizer.encode(prompt)
        let sampling = SamplingOptions(temperature: temperature ?? 0, topK: topK, topP: topP,
                                       repetitionPenalty: repetitionPenalty, seed: seed)
        let limits = GenerationLimits(maxTokens: maxTokens, timeLimit: timeLimit,
                                      stopSequences: stop, stopAtEndOfSequence: chat)
        let result = try generator.generate(promptIDs: promptIDs, sampling: sampling, limits: limits) { token in
            if !json { FileHandle.standardOutput.write(Data(token.text.utf8)) }
            return true
        }
        if json {
            try printJSONLine(["prompt_ids": promptIDs, "ids": result.ids, "text": result.text])
        } else {
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
        if stats {
            let decoded = max(result.ids.count - 1, 0)
            let line: [String: Any] = [
                "prompt_tokens": promptIDs.count, "new_tokens": result.ids.count,
                "prefill_seconds": result.prefillSeconds, "decode_seconds": result.decodeSeconds,
                "prefill_tokens_per_second": Double(promptIDs.count) / result.prefillSeconds,
                "decode_tokens_per_second": result.decodeSeconds > 0 ? Double(decoded) / result.decodeSeconds : 0,
                "stop_reason": result.stopReason.rawValue,
            ]
            let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            FileHandle.standardError.write(data + Data("\n".utf8))
        }
    }
}
