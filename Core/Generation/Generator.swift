import Foundation
import TwinlogRuntime

/// Runs a model: prompt in, tokens out, either all at once (`generate`) or streamed as an
/// `AsyncSequence` (`stream`). The blocking work runs on a dedicated thread, never on the
/// cooperative pool.
public final class Generator: Sendable {
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let lora: LoRASet

    public init(model: LlamaModel, tokenizer: Tokenizer, lora: LoRASet = LoRASet()) {
        self.model = model
        self.tokenizer = tokenizer
        self.lora = lora
    }

    /// Loads the model (weights kept in `format`) and tokenizer from a GGUF file.
    public convenience init(path: String, format: WeightFormat = .quantized) throws {
        let file = try GGUFFile(path: path)
        try self.init(model: LlamaModel(gguf: file, format: format), tokenizer: Tokenizer(gguf: file))
    }

    /// Generates after `promptIDs`, calling `onToken` for each new token; returning false from it
    /// stops the generation (reason `.cancelled`).
    public func generate(promptIDs: [Int], sampling: SamplingOptions = .greedy, limits: GenerationLimits,
                         onToken: (GeneratedToken) -> Bool = { _ in true }) throws -> Generation {
        let sampling = try sampling.validated()
        guard limits.maxTokens >= 0 else { throw SamplingError("the token limit must be ≥ 0, got \(limits.maxTokens)") }
        let clock = ContinuousClock()
        let started = clock.now
        let session = LlamaSession(model: model, lora: lora)
        var sampler = Sampler(options: sampling)
        var text = StopText(stops: limits.stopSequences)
        let endIDs: Set<Int> = limits.stopAtEndOfSequence ? tokenizer.endOfGenerationIDs : []
        var repeats = limits.stopAtRepeatedSentence ? SentenceRepeats() : nil
        var phrases = limits.stopAtRepeatedPhrase ? PhraseRepeats() : nil
        var repeatStart: Int?
        var ids: [Int] = []
        var reason = StopReason.tokenLimit
        var logits = try session.feed(promptIDs)
        let prefilled = clock.now
        while ids.count < limits.maxTokens {
            let id = sampler.pick(logits, context: session.tokens, generated: ids.count)
            ids.append(id)
            if endIDs.contains(id) {
                reason = .endOfSequence
                break
            }
            let (delta, stopped) = text.append(tokenizer.isSpecial(id) ? [] : try tokenizer.bytes(of: [id]))
            // A word still open counts as finished: the token that would complete a looping run
            // is never passed on.
            if let start = phrases?.append(delta) ?? phrases?.openWordRepeats() {
                repeatStart = start
                reason = .repeatedPhrase
                break
            }
            if !onToken(GeneratedToken(id: id, text: delta)) {
                reason = .cancelled
                break
            }
            if stopped {
                reason = .stopSequence
                break
            }
            if let start = repeats?.append(delta) {
                repeatStart = start
                reason = .repeatedSentence
                break
            }
            if let timeLimit = limits.timeLimit, clock.now - started >= timeLimit {
                reason = .timeLimit
                break
            }
            guard ids.count < limits.maxTokens else { break }
            guard session.tokens.count < model.config.contextLength else {
                reason = .contextFull
                break
            }
            logits = try session.feed([id])
        }
        var remainder = repeatStart == nil ? text.finish() : ""
        if !remainder.isEmpty, let start = phrases?.append(remainder) ?? phrases?.openWordRepeats() {
            repeatStart = start
            reason = .repeatedPhrase
            remainder = ""
        }
        if !remainder.isEmpty, reason != .cancelled { _ = onToken(GeneratedToken(id: nil, text: remainder)) }
        if repeatStart == nil, var watcher = repeats, let start = watcher.append(remainder) ?? watcher.openSentenceRepeats() {
            repeatStart = start
            reason = .repeatedSentence
        }
        var answer = text.emitted
        if let repeatStart {
            answer = String(answer.prefix(repeatStart))
            while answer.last?.isWhitespace == true { answer.removeLast() }
        }
        let finished = clock.now
        return Generation(promptIDs: promptIDs, ids: ids, text: answer, stopReason: reason,
                          prefillSeconds: (prefilled - started).inSeconds, decodeSeconds: (finished - prefilled).inSeconds)
    }

    /// The same generation as a stream of tokens. Cancelling the consuming task (or dropping the
    /// stream) stops the generation at the next token.
    public func stream(promptIDs: [Int], sampling: SamplingOptions = .greedy,
                       limits: GenerationLimits) -> AsyncThrowingStream<GeneratedToken, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GeneratedToken, any Error>.makeStream()
        let stop = StopFlag()
        continuation.onTermination = { _ in stop.set() }
        let thread = Thread { [self] in
            do {
                _ = try generate(promptIDs: promptIDs, sampling: sampling, limits: limits) { token in
                    continuation.yield(token)
                    return !stop.isSet
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        thread.start()
        return stream
    }
}

/// A flag set from any thread.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

