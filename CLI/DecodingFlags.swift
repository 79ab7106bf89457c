import ArgumentParser
import TwinlogEvents
import TwinlogGeneration

/// The decoding flags `generate`, `chat` and `ask` share: sampling, the penalties that keep a small model
/// from looping, and the repeated-sentence stop. A flag left out keeps the command's own default.
struct DecodingFlags: ParsableArguments {
    @Option(help: "Sampling temperature (> 0 samples; 0 is greedy).")
    var temperature: Float?
    @Option(name: .customLong("top-k"), help: "Keep only the k most likely tokens (0 keeps all).")
    var topK: Int?
    @Option(name: .customLong("top-p"), help: "Nucleus sampling: keep the most likely tokens up to this probability mass.")
    var topP: Float?
    @Option(name: .customLong("min-p"), help: "Keep only tokens at least this fraction as likely as the best (0 keeps all).")
    var minP: Float?
    @Option(name: .customLong("repetition-penalty"), help: "Divide a repeated token's positive logit by this (1 is off).")
    var repetitionPenalty: Float?
    @Option(name: .customLong("frequency-penalty"), help: "Subtract this per earlier occurrence of a token (0 is off).")
    var frequencyPenalty: Float?
    @Option(name: .customLong("presence-penalty"), help: "Subtract this once from a token that occurred (0 is off).")
    var presencePenalty: Float?
    @Option(name: .customLong("penalty-window"), help: "How many latest tokens the penalties look at (0: the whole context).")
    var penaltyWindow: Int?
    @Option(name: .customLong("no-repeat-ngram"), help: "Never repeat a generated n-gram of this many tokens (0 is off).")
    var noRepeatNgram: Int?
    @Flag(name: .customLong("stop-repeated-sentence"), inversion: .prefixedNo,
          help: "Stop when the text repeats itself (a sentence said again, or a run of four words the third time), and drop the repeat.")
    var stopRepeatedSentence: Bool?
    @Option(help: "Seed of the sampler's random generator.")
    var seed: UInt64?

    /// The sampling options: each flag given replaces the field of `defaults`; checked.
    func sampling(_ defaults: SamplingOptions) throws -> SamplingOptions {
        var options = defaults
        if let temperature { options.temperature = temperature }
        if let topK { options.topK = topK }
        if let topP { options.topP = topP }
        if let minP { options.minP = minP }
        if let repetitionPenalty { options.repetitionPenalty = repetitionPenalty }
        if let frequencyPenalty { options.frequencyPenalty = frequencyPenalty }
        if let presencePenalty { options.presencePenalty = presencePenalty }
        if let penaltyWindow { options.penaltyWindow = penaltyWindow }
        if let noRepeatNgram { options.noRepeatNgramSize = noRepeatNgram }
        if let seed { options.seed = seed }
        do { return try options.validated() } catch { throw ValidationError("\(error)") }
    }

    func validate() throws { _ = try sampling(.greedy) }

    /// The flags given, as a request's decoding overrides (nil when none was given); checked.
    /// A request cannot carry `--top-k`.
    func requestOverrides() throws -> QueryRequested.Decoding? {
        guard topK == nil else { throw ValidationError("--top-k cannot be set per request") }
        let overrides = QueryRequested.Decoding(
            temperature: temperature.map(Double.init), topP: topP.map(Double.init), minP: minP.map(Double.init),
            repetitionPenalty: repetitionPenalty.map(Double.init), frequencyPenalty: frequencyPenalty.map(Double.init),
            presencePenalty: presencePenalty.map(Double.init), penaltyWindow: penaltyWindow, noRepeatNgram: noRepeatNgram,
            stopRepeatedSentence: stopRepeatedSentence, seed: seed)
        return overrides == QueryRequested.Decoding() ? nil : overrides
    }
}
