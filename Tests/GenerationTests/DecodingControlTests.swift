import Foundation
import Testing
@testable import TwinlogGeneration

@Suite("decoding controls: penalties, n-gram bans, min-p and the repeated-sentence stop")
struct DecodingControlTests {
    /// Logits over a 6-token vocabulary where token 3 leads.
    static let logits: [Float] = [1, 2, 0.5, 4, -1, 3]

    @Test("with every control off, greedy picks the argmax whatever the context")
    func offIsArgmax() {
        var sampler = Sampler(options: .greedy)
        #expect(sampler.pick(Self.logits, context: [3, 3, 3, 3], generated: 4) == 3)
    }

    @Test("frequency and presence penalties count occurrences inside the window only")
    func penaltiesOverWindow() {
        // Token 3 occurs twice in the last 3 tokens: 4 − 2·0.6 = 2.8 < 3, so token 5 wins.
        var frequency = Sampler(options: SamplingOptions(frequencyPenalty: 0.6, penaltyWindow: 3))
        #expect(frequency.pick(Self.logits, context: [0, 3, 3, 1], generated: 0) == 5)
        // Outside the window the same occurrences cost nothing.
        var outside = Sampler(options: SamplingOptions(frequencyPenalty: 0.6, penaltyWindow: 2))
        #expect(outside.pick(Self.logits, context: [3, 3, 0, 1], generated: 0) == 3)
        // Presence subtracts once: 4 − 0.9 = 3.1 still beats 3.
        var presence = Sampler(options: SamplingOptions(presencePenalty: 0.9, penaltyWindow: 0))
        #expect(presence.pick(Self.logits, context: [3, 3, 3], generated: 0) == 3)
        var repetition = Sampler(options: SamplingOptions(repetitionPenalty: 1.5, penaltyWindow: 0))
        #expect(repetition.pick(Self.logits, context: [3], generated: 0) == 5, "4 / 1.5 < 3")
    }

    @Test("a token that would repeat a generated n-gram is banned; the prompt's n-grams are not")
    func noRepeatNgram() {
        let options = SamplingOptions(noRepeatNgramSize: 3)
        // Generated: 1 3 5 1 3 — the next 5 would repeat "1 3 5".
        var sampler = Sampler(options: options)
        #expect(sampler.pick([0, 0, 0, 0, 0, 9, 8], context: [1, 3, 5, 1, 3], generated: 5) == 6)
        // The same tokens in the prompt (no generated tokens) ban nothing.
        var fromPrompt = Sampler(options: options)
        #expect(fromPrompt.pick([0, 0, 0, 0, 0, 9, 8], context: [1, 3, 5, 1, 3], generated: 0) == 5)
    }

    @Test("min-p keeps only tokens at least that fraction as likely as the best")
    func minP() {
        // At temperature 1, a token 5 nats below the best has p/p_best ≈ 0.0067 < 0.05.
        var sampler = Sampler(options: SamplingOptions(temperature: 1, minP: 0.05, seed: 1))
        for _ in 0..<200 {
            #expect(sampler.pick([10, 5, 9.5, 0], context: [], generated: 0) != 1)
        }
    }

    @Test("the repeated-sentence watcher finds the first sentence that says an earlier one again")
    func sentenceRepeats() {
        var watcher = SentenceRepeats()
        let pieces = ["It is a trick. The river rises. ", "It's a bit of", " a trick. It is", " a trick. "]
        #expect(pieces.dropLast().map { watcher.append($0) } == [nil, nil, nil])
        // The repeat "It is a trick." began right after "It's a bit of a trick. ".
        #expect(watcher.append(pieces[3]) == (pieces[0] + pieces[1] + " a trick. ").count)
        var short = SentenceRepeats()
        #expect(short.append("Yes. Yes. Yes. ") == nil, "sentences under three words never count")
    }

    @Test("the phrase watcher finds where a run of four words comes round the third time, case and punctuation aside")
    func phraseRepeats() {
        var watcher = PhraseRepeats()
        let text = "The GPU build of the image depends on the GPU build of the base. The GPU build of this image"
        let third = text.range(of: "GPU build of this")!.lowerBound
        let found = watcher.append(text)
        #expect(found == text.distance(from: text.startIndex, to: text.index(third, offsetBy: -4)),
                "the run \"the gpu build of\" comes round the third time at \"The GPU build of this\"")
        var pieces = PhraseRepeats()
        let start = pieces.append("a b c d. A b c d, a b c")
        #expect(start == nil && pieces.openWordRepeats() == nil, "three words of the run are not a run")
        let more = pieces.append(" d")
        #expect(more == nil && pieces.openWordRepeats() == "a b c d. A b c d, ".count,
                "an open word that would finish the run counts before the text goes on")
        var twice = PhraseRepeats()
        let again = twice.append("one two three four one two three four ")
        #expect(again == nil && twice.openWordRepeats() == nil, "twice is allowed")
    }

    @Test("a prompt that loops greedily no longer loops with the controls, and the stop drops the repeat")
    func loopingPromptStopsLooping() throws {
        let generator = Generator(model: try RealModel.model.get(), tokenizer: try RealModel.tokenizer.get())
        let sentence = "The logbook is a record of the reading, not the reading itself."
        let prompt = generator.tokenizer.encode(Array(repeating: sentence, count: 3).joined(separator: " "))
        let limits = GenerationLimits(maxTokens: 40, stopAtEndOfSequence: false)
        let plain = try generator.generate(promptIDs: prompt, limits: limits)
        #expect(plain.text.contains(sentence), "greedy copies the sentence again: the loop the controls must break")

        let banned = try generator.generate(promptIDs: prompt, sampling: SamplingOptions(noRepeatNgramSize: 4), limits: limits)
        #expect(!Self.repeatsNgram(banned.ids, size: 4))

        var stopping = limits
        stopping.stopAtRepeatedSentence = true
        let stopped = try generator.generate(promptIDs: prompt, limits: stopping)
        #expect(stopped.stopReason == .repeatedSentence)
        #expect(!stopped.text.contains(sentence) || stopped.text.components(separatedBy: sentence).count == 2)
        #expect(plain.text.hasPrefix(stopped.text), "the kept text is what greedy wrote before the repeat")

        var phrase = limits
        phrase.stopAtRepeatedPhrase = true
        var passedOn = ""
        let cut = try generator.generate(promptIDs: prompt, limits: phrase) { token in
            passedOn += token.text
            return true
        }
        #expect(cut.stopReason == .repeatedPhrase)
        #expect(plain.text.hasPrefix(cut.text) && cut.text.count < plain.text.count)
        var seen = PhraseRepeats()
        let looped = seen.append(passedOn) ?? seen.openWordRepeats()
        #expect(looped == nil, "no run of four words was passed on a third time")
        #expect(passedOn.hasPrefix(cut.text))
    }

    static func repeatsNgram(_ ids: [Int], size: Int) -> Bool {
        guard ids.count > size else { return false }
        var seen = Set<[Int]>()
        for i in 0...(ids.count - size) where !seen.insert(Array(ids[i..<(i + size)])).inserted { return true }
        return false
    }
}
