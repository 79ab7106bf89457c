import ArgumentParser
import Foundation
import InferenceConsumer
import Logging
import TwinlogAsk
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEmbedding
import TwinlogEvents
import TwinlogGeneration
import TwinlogIndex
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogRAG
import TwinlogRuntime
import TwinlogSink
import TwinlogText

/// Retrieval quality (recall@5 and MRR for plain vector search and each added RAG step) on the
/// hand-written questions of `Benchmarks/rag`, and request/reply latency over the topics.
struct BenchRAGCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rag", abstract: "RAG retrieval quality per step, and latency over the request/reply topics.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The corpus, one document per line.") var corpus = "Benchmarks/rag/corpus.jsonl"
    @Option(help: "The questions, each with its source document and answer passage.") var questions = "Benchmarks/rag/questions.jsonl"
    @Option(help: "Questions that name when their source was published.") var datedQuestions = "Benchmarks/rag/questions_dated.jsonl"
    @Option(help: "Retrieval-only requests per latency run.") var retrievalRequests = 200
    @Option(help: "Full answers (64 new tokens) per latency run; 0 skips them.") var answerRequests = 8
    @Option(help: "Pad the index to this many chunks before the latency runs, as a deployment of that size (0: the corpus alone).")
    var indexSize = 100_000
    @Flag(help: "Quality only; no broker needed.") var qualityOnly = false

    struct Document: Decodable {
        let documentId, authorId, platform, kind, title, url, content: String
        let publishedAt: String?
    }

    struct Question: Decodable {
        let question, documentId, answer: String
    }

    func run() async throws {
        let documents = try BenchSupport.readLines(corpus, as: Document.self)
        let questionSet = try BenchSupport.readLines(questions, as: Question.self)
        let datedSet = try BenchSupport.readLines(datedQuestions, as: Question.self)
        let embedder = try Embedder(modelDirectory: EmbedderModelLocator.locate())
        let chunker = Chunker(tokenizer: embedder.tokenizer)

        var chunks: [(Chunk, Document)] = []
        for document in documents {
            let kind = DocumentKind(rawValue: document.kind) ?? .article
            for chunk in chunker.chunks(of: document.content, documentId: document.documentId, kind: kind) { chunks.append((chunk, document)) }
        }
        let started = ContinuousClock.now
        let vectors = await embedder.embed(chunks.map(\.0.text))
        print("corpus: \(documents.count) documents, \(chunks.count) chunks, \(Set(documents.map(\.authorId)).count) authors; "
              + String(format: "embedded in %.1f s", (ContinuousClock.now - started).inSeconds))
        let index = try VectorIndex(configuration: IndexConfiguration(dimension: embedder.dimension))
        for ((chunk, document), vector) in zip(chunks, vectors) {
            let date = try document.publishedAt.map { text in
                guard let date = EventTime.parse(text) else { throw ValidationError("\(document.documentId): publishedAt \(text) is not RFC 3339") }
                return date
            }
            try index.upsert(key: chunk.id, vector: vector, payload: ChunkPayload(
                authorId: document.authorId, platform: document.platform, kind: document.kind, documentId: document.documentId,
                title: document.title, url: document.url, text: chunk.text, documentDate: date))
        }
        let selfQueryModel = ModelSelfQuery(generator: try Generator(path: ModelLocator.generatorPath()))
        let evaluate = { (set: [Question], configurations: [(String, RetrievalOptions)]) in
            _ = try await Self.quality(set, configurations, chunks: chunks.map(\.0), index: index, selfQueryModel: selfQueryModel) {
                await embedder.embed($0)
            }
        }
        print("\nretrieval quality over \(questionSet.count) questions (k = 5):")
        try await evaluate(questionSet, configurations())
        print("\nretrieval quality over \(datedSet.count) questions that say when their source was published (k = 5):")
        try await evaluate(datedSet, datedConfigurations())
        try await Self.crossValidateHybrid(questionSet, chunks: chunks.map(\.0), index: index, selfQueryModel: selfQueryModel) {
            await embedder.embed($0)
        }
        if qualityOnly { return }
        try Self.pad(index, to: indexSize, chunks: chunks.map { ($0.0, $0.1.documentId) }, vectors: vectors)
        let stats = index.statistics()
        print("\nindex for the latency runs: \(stats.liveCount) chunks; per chunk " + String(
            format: "%.0f bytes of vectors and links, %.0f bytes of BM25 index", Double(stats.memoryBytes) / Double(stats.liveCount),
            Double(stats.lexicalMemoryBytes) / Double(stats.liveCount)))
        try await latency(index: index, embedder: embedder, questions: questionSet.map(\.question))
    }

    /// Recall@5 and MRR@10 of each configuration on one question set, printed as a Markdown table
    /// unless `quiet`, and returned in the configurations' order.
    @discardableResult
    private static func quality(_ questionSet: [Question], _ configurations: [(String, RetrievalOptions)], chunks: [Chunk],
                                index: VectorIndex, selfQueryModel: ModelSelfQuery, quiet: Bool = false,
                                embed: @escaping Retriever.Embed) async throws -> [(recall: Double, mrr: Double)] {
        // The relevant chunks of a question: those of its document that hold the answer passage,
        // or, when the passage straddles two chunks, those holding one of its 6-word runs.
        let normalize = { (text: String) in text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let chunksByDocument = Dictionary(grouping: chunks, by: \.documentId)
        var relevant: [Set<String>] = []
        for question in questionSet {
            let answer = normalize(question.answer)
            let candidates = chunksByDocument[question.documentId] ?? []
            var hits = Set(candidates.filter { normalize($0.text).contains(answer) }.map(\.id))
            if hits.isEmpty {
                let words = answer.split(separator: " ")
                let runs = (0...max(0, words.count - 6)).map { words[$0..<min(words.count, $0 + 6)].joined(separator: " ") }
                hits = Set(candidates.filter { chunk in runs.contains { normalize(chunk.text).contains($0) } }.map(\.id))
            }
            guard !hits.isEmpty else { throw ValidationError("no chunk of \(question.documentId) holds the answer to \"\(question.question)\"") }
            relevant.append(hits)
        }

        if !quiet {
            print("| configuration | recall@5 | MRR@10 |")
            print("|---|---|---|")
        }
        var scores: [(recall: Double, mrr: Double)] = []
        for (name, options) in configurations {
            let retriever = Retriever(index: index, options: options, selfQueryModel: selfQueryModel, embed: embed)
            let results = try await retriever.retrieve(questionSet.map { RetrievalRequest(question: $0.question, k: 10, now: evaluationTime) })
            var recall = 0.0, reciprocalRank = 0.0
            for (result, wanted) in zip(results, relevant) {
                let ranked = result.chunks.map(\.chunkId)
                if ranked.prefix(5).contains(where: wanted.contains) { recall += 1 }
                if let rank = ranked.firstIndex(where: wanted.contains) { reciprocalRank += 1 / Double(rank + 1) }
            }
            let count = Double(questionSet.count)
            scores.append((recall / count, reciprocalRank / count))
            if !quiet { print("| \(name) | \(String(format: "%.3f", recall / count)) | \(String(format: "%.3f", reciprocalRank / count)) |") }
        }
        return scores
    }

    /// Two-fold check of the hybrid weight: choose it by MRR on one half of the questions (odd or
    /// even lines), score the choice on the other half, which played no part in choosing it.
    private static func crossValidateHybrid(_ questionSet: [Question], chunks: [Chunk], index: VectorIndex,
                                            selfQueryModel: ModelSelfQuery, embed: @escaping Retriever.Embed) async throws {
        let weights = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
        let configurations = weights.map { weight in
            var options = RetrievalOptions()
            options.semanticWeight = weight
            return ("hybrid \(weight)", options)
        }
        let halves = [questionSet.enumerated().filter { $0.offset % 2 == 0 }.map(\.element),
                      questionSet.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)]
        var perHalf: [[(recall: Double, mrr: Double)]] = []
        for half in halves {
            perHalf.append(try await quality(half, configurations, chunks: chunks, index: index, selfQueryModel: selfQueryModel,
                                             quiet: true, embed: embed))
        }
        print("\nhybrid weight chosen on one half of the questions, scored on the other (self-query on; 1.0 = no BM25):")
        let defaultWeight = RetrievalOptions().semanticWeight
        print("| chosen on | weight | recall@5 on the other half | MRR@10 on the other half | default \(defaultWeight) there: recall@5, MRR@10 |")
        print("|---|---|---|---|---|")
        let defaultIndex = weights.firstIndex(of: defaultWeight)!
        for (chosenOn, scoredOn) in [(0, 1), (1, 0)] {
            let best = perHalf[chosenOn].indices.max { (perHalf[chosenOn][$0].mrr, -$0) < (perHalf[chosenOn][$1].mrr, -$1) }!
            let score = perHalf[scoredOn][best], fixed = perHalf[scoredOn][defaultIndex]
            print("| \(chosenOn == 0 ? "even" : "odd") lines (\(halves[chosenOn].count)) | \(weights[best]) | "
                  + String(format: "%.3f | %.3f | %.3f, %.3f |", score.recall, score.mrr, fixed.recall, fixed.mrr))
        }
    }

    /// "Now" for the questions' relative time expressions: just after the corpus's last date.
    private static let evaluationTime = Date(timeIntervalSince1970: 1_793_491_200)  // 2026-11-01T00:00:00Z

    /// The dated questions: self-query with and without the time range, then the default pipeline.
    private func datedConfigurations() -> [(String, RetrievalOptions)] {
        var noDates = RetrievalOptions()
        noDates.selfQueryDates = false
        noDates.hybrid = false
        var dates = RetrievalOptions()
        dates.hybrid = false
        var plain = RetrievalOptions()
        plain.selfQuery = false
        plain.hybrid = false
        var defaultsNoDates = RetrievalOptions()
        defaultsNoDates.selfQueryDates = false
        return [
            ("plain vector search", plain),
            ("+ self-query filters without time ranges", noDates),
            ("+ self-query filters with time ranges", dates),
            ("+ self-query without time ranges + hybrid 0.7", defaultsNoDates),
            ("+ self-query with time ranges + hybrid 0.7 (default)", RetrievalOptions()),
        ]
    }

    /// Plain vector search, then each step added in turn, then each step left out of the full pipeline.
    private func configurations() -> [(String, RetrievalOptions)] {
        func options(_ selfQuery: Bool, _ expansion: Bool, _ rerank: Bool, variants: Int = 3, weight: Double = 0.7,
                     model: Bool = false) -> RetrievalOptions {
            var options = RetrievalOptions()
            options.selfQuery = selfQuery
            options.selfQueryModel = model
            options.expansion = expansion
            options.variants = variants
            options.hybrid = rerank
            options.semanticWeight = weight
            return options
        }
        return [
            ("plain vector search", options(false, false, false)),
            ("+ self-query filters", options(true, false, false)),
            ("+ self-query by the language model", options(true, false, false, model: true)),
            ("+ self-query + expansion (3 variants)", options(true, true, false)),
            ("+ self-query + expansion (2 variants)", options(true, true, false, variants: 2)),
            ("+ self-query + expansion (3) + hybrid 0.7", options(true, true, true)),
            ("+ self-query + hybrid 0.7 (default)", options(true, false, true)),
            ("+ self-query + hybrid 0.8", options(true, false, true, weight: 0.8)),
            ("+ self-query + hybrid 0.9", options(true, false, true, weight: 0.9)),
            ("+ self-query by the language model + hybrid 0.9", options(true, false, true, weight: 0.9, model: true)),
            ("hybrid 0.7 alone", options(false, false, true)),
        ]
    }

    private func latency(index: VectorIndex, embedder: Embedder, questions: [String]) async throws {
        let config = try global.load()
        let name = "bench_rag_\(getpid())_\(Int(Date().timeIntervalSince1970))"
        let topics = TopicCatalogue(prefix: name + ".")
        let admin = try KafkaAdmin(configuration: config.kafka)
        try await admin.createTopics(topics.specs)
        await admin.close()
        var configuration = InferenceConsumer.Configuration(kafka: config.kafka, topics: topics, groupId: name + ".inference")
        configuration.consumer.sessionTimeout = .seconds(3)
        configuration.consumer.fetchMaxWait = .milliseconds(10)
        configuration.logger.logLevel = .warning
        let generator = answerRequests > 0 ? try Generator(path: ModelLocator.generatorPath()) : nil
        let consumer = try InferenceConsumer(configuration, index: index, embedder: embedder, generator: generator)
        let serving = Task { try await consumer.run() }
        let client = try await QueryClient(kafka: config.kafka, topics: topics)
        // Warm-up: the group join and the first fetches.
        _ = try await client.ask(QueryRequested(queryId: UUID().uuidString, question: questions[0], retrievalOnly: true,
                                                deadline: Date().addingTimeInterval(60)), timeout: .seconds(60))

        print("\nlatency over the topics (asker sends → asker holds the reply):")
        print("| requests | concurrent askers | count | p50 | p99 | first token p50 (consumer) |")
        print("|---|---|---|---|---|---|")
        for (kind, count, retrievalOnly) in [("retrieval only", retrievalRequests, true), ("answer, 64 new tokens", answerRequests, false)]
        where count > 0 {
            for askers in [1, 4] {
                let (times, firstTokens) = try await measure(client, questions: questions, count: count, askers: askers, retrievalOnly: retrievalOnly)
                let first = firstTokens.isEmpty ? "—" : String(format: "%.0f ms", BenchSupport.percentile(firstTokens, 0.5))
                print("| \(kind) | \(askers) | \(times.count) | " + String(format: "%.0f ms | %.0f ms |", BenchSupport.percentile(times, 0.5), BenchSupport.percentile(times, 0.99)) + " \(first) |")
            }
        }
        await client.close()
        serving.cancel()
        _ = await serving.result
    }

    /// Milliseconds per request, `askers` at a time, each asker waiting for its reply before its next;
    /// and the consumer's `first_token` timings (request arrival to the first generated token).
    private func measure(_ client: QueryClient, questions: [String], count: Int, askers: Int,
                         retrievalOnly: Bool) async throws -> (times: [Double], firstTokens: [Double]) {
        try await withThrowingTaskGroup(of: ([Double], [Double]).self) { group in
            for asker in 0..<askers {
                group.addTask {
                    var times: [Double] = []
                    var firstTokens: [Double] = []
                    for i in stride(from: asker, to: count, by: askers) {
                        let request = QueryRequested(queryId: UUID().uuidString, question: questions[i % questions.count],
                                                     k: 5, maxTokens: 64, retrievalOnly: retrievalOnly, deadline: Date().addingTimeInterval(300))
                        let started = ContinuousClock.now
                        let reply = try await client.ask(request, timeout: .seconds(300))
                        guard reply.status == .ok else { throw ValidationError("request failed: \(reply.status) \(reply.error ?? "")") }
                        times.append((ContinuousClock.now - started).inSeconds * 1000)
                        if let first = reply.timings["first_token"] { firstTokens.append(first) }
                    }
                    return (times, firstTokens)
                }
            }
            return try await group.reduce(into: ([], [])) { $0.times += $1.0; $0.firstTokens += $1.1 }
        }
    }

    /// Grows the index to `size` chunks with copies of the corpus chunks (their texts, so the
    /// lexical index sees real term statistics, under new ids and documents) whose vectors are the
    /// originals plus seeded noise, so the graph keeps the corpus's clustered shape.
    static func pad(_ index: VectorIndex, to size: Int, chunks: [(Chunk, String)], vectors: [[Float]]) throws {
        guard size > index.count, !chunks.isEmpty else { return }
        var random = SeededGenerator(seed: 7)
        func gaussian() -> Float {
            let u1 = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &random), u2 = Double.random(in: 0..<1, using: &random)
            return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
        let started = ContinuousClock.now
        var copy = 0
        while index.count < size {
            let (chunk, documentId) = chunks[copy % chunks.count]
            let base = vectors[copy % chunks.count]
            let scale = 0.35 / Float(base.count).squareRoot()
            var vector = base.map { $0 + scale * gaussian() }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            vector = vector.map { $0 / norm }
            try index.upsert(key: "pad-\(copy)", vector: vector, payload: ChunkPayload(
                authorId: "padding", platform: "article", kind: "article", documentId: "\(documentId)-pad-\(copy / chunks.count)",
                title: "padding", text: chunk.text))
            copy += 1
        }
        print(String(format: "padded the index to %d chunks in %.1f s", index.count, (ContinuousClock.now - started).inSeconds))
    }
}
