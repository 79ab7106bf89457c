import ArgumentParser
import Foundation
import TwinlogCommandSupport
import TwinlogEmbedding
import TwinlogEvents
import TwinlogIndex
import TwinlogRAG
import TwinlogRuntime

/// The grounding step alone, replayed over stored replies: for every reply of a real-repository
/// run (`Benchmarks/rag/realworld/run.py --answers`), the sources it was given are read back from
/// the index snapshot the run served, and this build's `Grounding.assess` quotes the evidence and
/// decides again whether they answer. The stored replies and the replay are scored side by side,
/// so a change to evidence or abstention rules is judged in about a second per question instead
/// of a pipeline row (generation and the broker are not run). With `--retrieve` the sources are
/// retrieved again from the snapshot by this build's `Retriever` with the inference consumer's
/// default options (less the steps `--retrieval-without` names), so a retrieval change is judged
/// the same way; where the sources change, the stored generated answer no longer belongs to them,
/// and the facts in the sources and in the evidence are the columns to read.
struct BenchEvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Evidence and abstention of this build, replayed over stored replies.")

    @Option(help: "The index snapshot the replies were retrieved from (run.py's <namespace>.hnsw).") var snapshot: String
    @Option(help: "The stored replies (run.py's <namespace>.…answers.jsonl: {id, reply} per line).") var replies: String
    @Option(help: "The questions, with their facts, answer files and half.") var questions: String
    @Option(help: "Replay only these question ids (comma-separated).") var only: String?
    @Flag(help: "Retrieve the sources again with this build's retriever (the consumer's default options, k = the stored reply's source count).")
    var retrieve = false
    @Option(name: .customLong("retrieval-without"),
            help: ArgumentHelp("With --retrieve, comma-separated retrieval steps to switch off: \(RetrievalStep.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "steps"))
    var retrievalWithout: String?
    @Flag(help: "Print every question whose quotes or decision changed (with --only, every question), with both sets of quotes.")
    var verbose = false
    @Flag(name: .customLong("lost-facts"),
          help: "Print every answerable question whose sources hold a fact that neither its replayed answer nor its evidence does, with its quotes.")
    var lostFacts = false
    @Flag(name: .customLong("missed-facts"),
          help: "Print every answerable question whose sources miss a fact, with the answer files, and for each missed fact the best-ranked chunk that holds it among the first 100 of a ranking without the per-document limit.")
    var missedFacts = false
    @Flag(name: .customLong("no-value-check"),
          help: "Replay without the check that the quotes hold the kind of value the question asks for (as `run --no-value-check`).")
    var noValueCheck = false

    /// A question of a real-repository set (`Benchmarks/rag/realworld/questions.jsonl`).
    struct Question: Decodable {
        let id, question, half: String
        let answers, facts: [String]
    }

    /// A line of run.py's answers file.
    struct Asked: Decodable {
        let id: String
        let reply: QueryAnswered?
    }

    /// What a reply gives the asker, for scoring: the answer, its evidence, and whether it abstained
    /// (with why, where the replay knows it).
    struct Outcome {
        var answer: String
        var quotes: [String]
        var abstained: Bool
        var reason = ""
        /// The sources' chunk ids, titles and texts, in rank order.
        var chunkIds: [String] = []
        var sourceTitles: [String] = []
        var sourceTexts: [String] = []
        /// The names the sources' repositories use throughout, which the names check passes.
        var repositoryNames: [String] = []
    }

    func run() async throws {
        let questionSet = Dictionary(try BenchSupport.readLines(questions, as: Question.self).map { ($0.id, $0) },
                                     uniquingKeysWith: { first, _ in first })
        let wanted = only.map { Set($0.split(separator: ",").map { String($0) }) }
        let asked = try BenchSupport.readLines(replies, as: Asked.self).filter { wanted?.contains($0.id) ?? true }
        let index = try VectorIndex.load(from: URL(fileURLWithPath: snapshot))
        let catalogue = SourceCatalogue(sources: index.sources)
        let embedder = try Embedder(locatingModelAt: nil)
        var grounding = Grounding()
        grounding.checksAskedValue = !noValueCheck
        let retriever = Retriever(index: index, options: try RetrievalStep.options(without: retrievalWithout)) { await embedder.embed($0) }

        var stored: [String: Outcome] = [:], replayed: [String: Outcome] = [:]
        var skipped: [String] = []
        let started = ContinuousClock.now
        for entry in asked {
            guard let question = questionSet[entry.id] else {
                throw ValidationError("\(replies): reply \(entry.id) has no question in \(questions)")
            }
            guard let reply = entry.reply, reply.status == .ok else { skipped.append("\(entry.id) (no ok reply)"); continue }
            let storedPayloads = reply.sources.compactMap { index.payload(for: $0.chunkId) }
            guard storedPayloads.count == reply.sources.count else { skipped.append("\(entry.id) (a source is not in the snapshot)"); continue }
            let flags = reply.flags
            let before = Outcome(answer: reply.answer ?? "", quotes: (reply.evidence ?? []).map(\.text),
                                 abstained: flags.contains("unsupported"), chunkIds: reply.sources.map(\.chunkId),
                                 sourceTitles: storedPayloads.map(\.title), sourceTexts: storedPayloads.map(\.text))
            var payloads = storedPayloads, chunkIds = before.chunkIds
            let request = RetrievalRequest(question: question.question, k: max(1, reply.sources.count))
            let comparing: [String]
            if retrieve {
                let retrieval = try await retriever.retrieve(request)
                payloads = retrieval.chunks.map(\.payload)
                chunkIds = retrieval.chunks.map(\.chunkId)
                comparing = retrieval.comparedSources
            } else {
                comparing = retriever.plan(request, knownAuthors: [], catalogue: catalogue).comparedSources
            }
            let repositoryNames = try retriever.repositoryNames(question: question.question, chunks: payloads)
            let assessment = try await grounding.assess(question: question.question, sources: payloads, comparing: comparing,
                                                        repositoryNames: repositoryNames) { await embedder.embed($0) }
            // The model is not run again: a stored answer the model wrote stands where the replay
            // answers too; otherwise the replayed answer is the quotes (or the abstention).
            let generated = flags.contains("extractive") || flags.contains("unsupported") ? "" : reply.answer ?? ""
            let grounded = grounding.decide(question: question.question, generated: generated, sources: payloads, assessment: assessment)
            let after = Outcome(answer: grounded.answer, quotes: grounded.evidence.map(\.text), abstained: !grounded.supported,
                                reason: Self.reason(assessment, minimum: grounding.minimumEvidenceScore), chunkIds: chunkIds,
                                sourceTitles: payloads.map(\.title), sourceTexts: payloads.map(\.text), repositoryNames: repositoryNames)
            if verbose, wanted != nil || before.quotes != after.quotes || before.abstained != after.abstained || before.chunkIds != after.chunkIds {
                Self.printChange(question, before: before, after: after)
            }
            let lost = lostFacts ? Self.lost(question.facts, in: after) : []
            if !lost.isEmpty {
                print("\(question.id) [\(question.half)] lost \(lost.joined(separator: ", ")): \(question.question)")
                for (number, title) in after.sourceTitles.enumerated() { print("    [\(number + 1)] \(title)") }
                for fact in lost {
                    for (number, text) in after.sourceTexts.enumerated() {
                        for line in text.split(whereSeparator: \.isNewline) where Self.normalized(String(line)).contains(Self.normalized(fact)) {
                            print("    \(fact) in [\(number + 1)]: \(line.trimmingCharacters(in: .whitespaces).prefix(140))")
                        }
                    }
                }
                for quote in after.quotes { print("    | " + quote.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ").prefix(160)) }
            }
            if missedFacts, !question.answers.isEmpty {
                try await printMissed(question, sources: payloads, retriever: retriever)
            }
            stored[entry.id] = before
            replayed[entry.id] = after
        }
        let seconds = (ContinuousClock.now - started).inSeconds
        print("evidence replay: \(replayed.count) replies of \(replies), sources from \(snapshot)")
        if !skipped.isEmpty { print("skipped \(skipped.count): " + skipped.joined(separator: ", ")) }
        print("| replies (tune / score) | facts in sources | facts in evidence | facts in answer or evidence | unanswerable admitted | answerable refused |")
        print("|---|---|---|---|---|---|")
        let set = questionSet.values.filter { replayed[$0.id] != nil }
        print("| stored | " + Self.scores(set, stored) + " |")
        print("| replayed (this build) | " + Self.scores(set, replayed) + " |")
        let same = replayed.keys.filter { replayed[$0]?.quotes == stored[$0]?.quotes && replayed[$0]?.abstained == stored[$0]?.abstained }
        let sameSources = replayed.keys.filter { replayed[$0]?.chunkIds == stored[$0]?.chunkIds }
        print(String(format: "%d of %d replies keep their stored sources, %d their quotes and decision; replay %.1f s, %.2f s per reply",
                     sameSources.count, replayed.count, same.count, seconds, seconds / Double(max(replayed.count, 1))))
    }

    /// Per half, "tune / score": the share of the answerable questions' facts in the sources' texts
    /// (what evidence can at best quote), in the evidence, in the answer or the evidence, the
    /// unanswerable questions abstained on, and the answerable ones abstained on. A fact counts
    /// where it occurs, case and runs of white space aside (as run.py).
    static func scores(_ questions: [Question], _ outcomes: [String: Outcome]) -> String {
        var columns: [[String]] = [[], [], [], [], []]
        for half in ["tune", "score"] {
            var facts = 0, inSources = 0, inEvidence = 0, inEither = 0, unanswerable = 0, admitted = 0, answerable = 0, refused = 0
            for question in questions where question.half == half {
                guard let outcome = outcomes[question.id] else { continue }
                if question.answers.isEmpty {
                    unanswerable += 1
                    admitted += outcome.abstained ? 1 : 0
                    continue
                }
                answerable += 1
                refused += outcome.abstained ? 1 : 0
                let evidence = normalized(outcome.quotes.joined(separator: " ")), answer = normalized(outcome.answer)
                let sources = normalized(outcome.sourceTexts.joined(separator: "\n"))
                for fact in question.facts.map(normalized) {
                    facts += 1
                    inSources += sources.contains(fact) ? 1 : 0
                    inEvidence += evidence.contains(fact) ? 1 : 0
                    inEither += evidence.contains(fact) || answer.contains(fact) ? 1 : 0
                }
            }
            let share = { (part: Int, whole: Int) in String(format: "%.2f", Double(part) / Double(max(whole, 1))) }
            columns[0].append(share(inSources, facts))
            columns[1].append(share(inEvidence, facts))
            columns[2].append(share(inEither, facts))
            columns[3].append(share(admitted, unanswerable))
            columns[4].append(share(refused, answerable))
        }
        return columns.map { $0.joined(separator: " / ") }.joined(separator: " | ")
    }

    /// A text lower-cased with its runs of white space made one space, as facts are matched.
    static func normalized(_ text: String) -> String { text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    /// The facts the outcome's sources hold that neither its answer nor its evidence does.
    static func lost(_ facts: [String], in outcome: Outcome) -> [String] {
        let sources = normalized(outcome.sourceTexts.joined(separator: "\n"))
        let shown = normalized(outcome.answer) + "\n" + normalized(outcome.quotes.joined(separator: " "))
        return facts.filter { sources.contains(normalized($0)) && !shown.contains(normalized($0)) }
    }

    /// The facts of `question` that none of `sources` holds: the sources, the answer files, and for
    /// each such fact the best-ranked chunk holding it in a deeper ranking (the first 100 without
    /// the per-document limit), or that none there does.
    func printMissed(_ question: Question, sources: [ChunkPayload], retriever: Retriever) async throws {
        let texts = Self.normalized(sources.map(\.text).joined(separator: "\n"))
        let missed = question.facts.filter { !texts.contains(Self.normalized($0)) }
        guard !missed.isEmpty else { return }
        print("\(question.id) [\(question.half)] missed \(missed.joined(separator: ", ")): \(question.question)")
        print("    answers: " + question.answers.joined(separator: ", "))
        for (number, payload) in sources.enumerated() { print("    [\(number + 1)] \(payload.source):\(payload.title) § \(payload.section.prefix(60))") }
        var deeper = retriever
        deeper.options.maxChunksPerDocument = nil
        let ranking = try await deeper.retrieve(RetrievalRequest(question: question.question, k: 100)).chunks
        let rankedTexts = ranking.map { Self.normalized($0.payload.text) }
        for fact in missed {
            if let rank = rankedTexts.firstIndex(where: { $0.contains(Self.normalized(fact)) }) {
                let chunk = ranking[rank]
                let scores = String(format: "%.3f, cosine %.3f", chunk.score, chunk.similarity)
                print("    \(fact) at rank \(rank + 1) (\(scores)): \(chunk.payload.source):\(chunk.payload.title) § \(chunk.payload.section.prefix(60))")
            } else {
                print("    \(fact) not in the first 100")
            }
        }
    }

    /// Why an assessment abstains: the names no source mentions, names apart, the value asked for, or
    /// the best score.
    static func reason(_ assessment: Grounding.Assessment, minimum: Double) -> String {
        guard !assessment.answers else { return "" }
        if !assessment.unmentionedNames.isEmpty { return "no source mentions " + assessment.unmentionedNames.joined(separator: ", ") }
        if assessment.namesApart { return "the names meet in no one document" }
        if assessment.valueMissing { return "no quote holds the kind of value asked for" }
        return String(format: "the best quote scores %.2f < %.2f", assessment.evidence.map(\.score).max() ?? 0, minimum)
    }

    /// A question whose quotes, decision or sources changed: the question, its facts, both sets of
    /// quotes, and both lists of sources when they differ.
    static func printChange(_ question: Question, before: Outcome, after: Outcome) {
        let kind = question.answers.isEmpty ? "unanswerable" : "facts " + question.facts.joined(separator: ", ")
        print("\(question.id) [\(kind)] \(question.question)")
        for (label, outcome) in [("stored", before), ("replay", after)] {
            print("  \(label)\(outcome.abstained ? " (abstains\(outcome.reason.isEmpty ? "" : ": " + outcome.reason))" : ""):")
            if before.chunkIds != after.chunkIds { print("    sources: " + outcome.sourceTitles.joined(separator: ", ")) }
            if !outcome.repositoryNames.isEmpty { print("    names the repositories use throughout: " + outcome.repositoryNames.joined(separator: ", ")) }
            for quote in outcome.quotes { print("    | " + quote.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ").prefix(160)) }
        }
    }
}
