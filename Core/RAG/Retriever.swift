import Foundation
import TwinlogIndex
import TwinlogRuntime

/// Which steps of retrieval run. The defaults are what the evaluation in BENCHMARKS.md supports:
/// self-query and the hybrid rerank helped (MRR 0.794 → 0.821, recall@5 0.917 → 0.929 on 84
/// questions); expansion lowered recall in every form tried, so it is off.
public struct RetrievalOptions: Sendable {
    /// Read author, platform, kind and time-range filters from the question.
    public var selfQuery = true
    /// With `selfQuery`, also read time ranges ("in 2023", "last year").
    public var selfQueryDates = true
    /// Read them with the language model (`ModelSelfQuery`) instead of the rules, when the
    /// retriever has one. Off: on the evaluation in BENCHMARKS.md the rules do better.
    public var selfQueryModel = false
    /// Search several variants of the question and merge the results.
    public var expansion = false
    /// How many variants expansion searches (see `QueryExpansion`).
    public var variants = 3
    /// Rerank the merged candidates by a hybrid of embedding similarity and BM25.
    public var rerank = true
    /// Candidates fetched per variant, as a multiple of k (at least 20).
    public var candidateFactor = 4
    /// The weight of embedding similarity in the hybrid score; BM25 gets the rest.
    public var semanticWeight = 0.9

    public init() {}
}

/// What to retrieve: the question, the asker's explicit filters, and how many chunks.
public struct RetrievalRequest: Sendable {
    public var question: String
    public var authorId: String?
    public var platform: String?
    public var kind: String?
    /// Only chunks of documents dated in this range.
    public var dates: Range<Date>?
    public var k: Int
    /// The instant relative time expressions in the question ("last year") count from.
    public var now: Date

    public init(question: String, authorId: String? = nil, platform: String? = nil, kind: String? = nil, dates: Range<Date>? = nil,
                k: Int = 5, now: Date = Date()) {
        self.question = question
        self.authorId = authorId
        self.platform = platform
        self.kind = kind
        self.dates = dates
        self.k = k
        self.now = now
    }
}

/// A retrieved chunk: its id, the final score it was ranked by, its cosine similarity to the best
/// matching variant, and its payload.
public struct RetrievedChunk: Sendable, Equatable {
    public var chunkId: String
    public var score: Double
    public var similarity: Double
    public var payload: ChunkPayload

    public init(chunkId: String, score: Double, similarity: Double, payload: ChunkPayload) {
        self.chunkId = chunkId
        self.score = score
        self.similarity = similarity
        self.payload = payload
    }
}

/// What retrieval did: the chunks, the filter it searched with, the variants, and stage timings.
public struct Retrieval: Sendable {
    public var chunks: [RetrievedChunk]
    public var filter: SearchFilter
    public var variants: [String]
    /// Milliseconds per stage: `embed`, `search`, `rerank`.
    public var timings: [String: Double]
}

/// Finds the chunks that answer a question: self-query filters, query variants, filtered vector
/// search per variant, merge and dedup by chunk id, then a hybrid rerank. Each step is a
/// replaceable value with its own tests; `RetrievalOptions` switches them for evaluation.
public struct Retriever: Sendable {
    public typealias Embed = @Sendable ([String]) async throws -> [[Float]]

    public var options: RetrievalOptions
    public var bm25 = BM25()
    private let index: VectorIndex
    private let embed: Embed
    private let selfQueryModel: ModelSelfQuery?
    private let modelExecutor: BlockingExecutor?

    /// `selfQueryModel` reads filters when `options.selfQueryModel` is on (it runs on an executor
    /// of its own, off the cooperative pool).
    public init(index: VectorIndex, options: RetrievalOptions = RetrievalOptions(), selfQueryModel: ModelSelfQuery? = nil,
                embed: @escaping Embed) {
        self.index = index
        self.options = options
        self.embed = embed
        self.selfQueryModel = selfQueryModel
        modelExecutor = selfQueryModel.map { _ in BlockingExecutor(label: "twinlog.rag.self-query") }
    }

    /// What a request will search: its filter, its variants, and the topic used for reranking.
    public struct Plan: Sendable {
        public var request: RetrievalRequest
        public var filter: SearchFilter
        public var variants: [String]
        public var topic: String
    }

    /// Retrieves for one request: plan, embed its variants, search.
    public func retrieve(_ request: RetrievalRequest) async throws -> Retrieval {
        try await retrieve([request])[0]
    }

    /// Retrieves for many requests with one embedder call for all their variants, which is how a
    /// batch of queries is served efficiently.
    public func retrieve(_ requests: [RetrievalRequest]) async throws -> [Retrieval] {
        let clock = ContinuousClock()
        let authors = options.selfQuery ? index.authorIds : []
        var extractions = [SelfQuery.Extraction?](repeating: nil, count: requests.count)
        if options.selfQuery, options.selfQueryModel, let model = selfQueryModel, let executor = modelExecutor {
            extractions = try await executor.run { try requests.map { try model.extract($0.question, authorIds: authors, now: $0.now) } }
        }
        let plans = zip(requests, extractions).map { plan($0, knownAuthors: authors, extraction: $1) }
        let started = clock.now
        let vectors = try await embed(plans.flatMap(\.variants))
        let embedding = (clock.now - started).inMilliseconds
        var offset = 0
        return try plans.map { plan in
            defer { offset += plan.variants.count }
            var retrieval = try search(plan, vectors: Array(vectors[offset..<(offset + plan.variants.count)]))
            retrieval.timings["embed"] = embedding
            return retrieval
        }
    }

    /// The filter (explicit filters first, then what self-query reads: `extraction` when given,
    /// else the rules) and the variants to search.
    public func plan(_ request: RetrievalRequest, knownAuthors: [String], extraction given: SelfQuery.Extraction? = nil) -> Plan {
        var filter = SearchFilter(authorIds: request.authorId.map { [$0] }, platforms: request.platform.map { [$0] },
                                  kinds: request.kind.map { [$0] }, dates: request.dates)
        var topic = request.question
        if options.selfQuery {
            let extraction = given ?? SelfQuery(authorIds: knownAuthors, now: request.now).extract(request.question)
            topic = extraction.topic
            if filter.authorIds == nil, let author = extraction.authorId { filter.authorIds = [author] }
            if filter.platforms == nil, let platform = extraction.platform { filter.platforms = [platform] }
            if filter.kinds == nil, let kind = extraction.kind { filter.kinds = [kind] }
            if filter.dates == nil, options.selfQueryDates, let dates = extraction.dates { filter.dates = dates }
        }
        let variants = options.expansion
            ? QueryExpansion(variants: options.variants).expand(request.question, topic: topic) : [request.question]
        return Plan(request: request, filter: filter, variants: variants, topic: topic)
    }

    /// Filtered search per variant, merge by chunk id (best similarity), rerank, top k.
    func search(_ plan: Plan, vectors: [[Float]]) throws -> Retrieval {
        let clock = ContinuousClock()
        var timings: [String: Double] = [:]
        var started = clock.now
        let perVariant = max(20, plan.request.k * options.candidateFactor)
        var merged: [String: RetrievedChunk] = [:]
        for vector in vectors {
            for hit in try index.search(vector, k: perVariant, filter: plan.filter) {
                let similarity = Double(hit.score)
                if merged[hit.key].map({ similarity > $0.similarity }) ?? true {
                    merged[hit.key] = RetrievedChunk(chunkId: hit.key, score: similarity, similarity: similarity, payload: hit.payload)
                }
            }
        }
        timings["search"] = (clock.now - started).inMilliseconds

        started = clock.now
        var candidates = merged.values.sorted { ($0.score, $1.chunkId) > ($1.score, $0.chunkId) }
        if options.rerank, !candidates.isEmpty {
            candidates = rerank(candidates, query: plan.topic)
        }
        timings["rerank"] = (clock.now - started).inMilliseconds
        return Retrieval(chunks: Array(candidates.prefix(plan.request.k)), filter: plan.filter, variants: plan.variants, timings: timings)
    }

    /// Hybrid score: `semanticWeight` × similarity + the rest × BM25 scaled to [0, 1] by the best
    /// candidate's BM25.
    func rerank(_ candidates: [RetrievedChunk], query: String) -> [RetrievedChunk] {
        let lexical = bm25.scores(query: query, texts: candidates.map { "\($0.payload.title) \($0.payload.text)" })
        let best = lexical.max() ?? 0
        let weight = options.semanticWeight
        return zip(candidates, lexical).map { candidate, score in
            var candidate = candidate
            candidate.score = weight * candidate.similarity + (1 - weight) * (best > 0 ? score / best : 0)
            return candidate
        }.sorted { ($0.score, $1.chunkId) > ($1.score, $0.chunkId) }
    }
}

