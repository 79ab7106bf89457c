import ArgumentParser
import Foundation
import TwinlogCommandSupport
import TwinlogGeneration

/// `twinlog generate`: continue a prompt (or answer it as a chat user turn) with a GGUF model.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with a GGUF language model (SmolLM2 unless --model-path names another).")

    @OptionGroup var model: GeneratorModelOptions

    @Flag(help: """
        Wrap the prompt as a user turn of the model's chat template (ChatML or Llama 3, with its default system \
        message) and stop at the end of the turn. Without it the prompt is used as is (special tokens in it are \
        recognised; the beginning-of-sequence token is added when the model asks for it) and generation runs to \
        the token limit, past end-of-sequence tokens, as the reference greedy outputs do.
        """)
    var chat = false

    @Flag(help: "Pick the most likely token at every step (the default unless --temperature is given).")
    var greedy = false

    @OptionGroup var decoding: DecodingFlags

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
        if greedy && decoding.temperature != nil { throw ValidationError("--greedy and --temperature exclude each other") }
        if maxTokens < 0 { throw ValidationError("--max-tokens must be ≥ 0") }
    }

    func run() throws {
        let generator = try model.loadGenerator()
        let promptIDs = chat ? try ChatTemplate.encode([ChatMessage(role: .user, content: prompt)], with: generator.tokenizer)
            : generator.tokenizer.promptIDs(prompt)
        let sampling = try decoding.sampling(.greedy)
        let limits = GenerationLimits(maxTokens: maxTokens, timeLimit: timeLimit, stopSequences: stop, stopAtEndOfSequence: chat,
                                      stopAtRepeatedSentence: decoding.stopRepeatedSentence ?? false,
                                      stopAtRepeatedPhrase: decoding.stopRepeatedSentence ?? false)
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
                "prompt_tokens": promptIDs.count, "new_tokens": result.ids.count, "kernels": "\(MatrixKernels.available)",
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
