import Foundation
import TwinlogIndex
import TwinlogRuntime

/// Which steps of retrieval run, each switchable for the evaluation in BENCHMARKS.md (measured on
/// real repositories: `Benchmarks/rag/realworld/`).
public struct RetrievalOptions: Sendable {
    /// How dense and lexical scores combine into one ranking.
    public enum Fusion: String, Sendable, CaseIterable {
        /// `semanticWeight` × cosine + the rest × BM25 scaled to [0, 1] by the best candidate's.
        case weighted
        /// Reciprocal rank fusion: Σ 1 / (60 + rank) over the dense and the lexical ranking.
        case reciprocalRank = "rrf"
    }

    /// Read author, platform, kind and time-range filters from the question.
    public var selfQuery = true
    /// With `selfQuery`, also read time ranges ("in 2023", "last year").
    public var selfQueryDates = true
    /// Read them with the language model (`ModelSelfQuery`) instead of the rules, when the
    /// retriever has one. Off: on the synthetic evaluation the rules did better.
    public var selfQueryModel = false
    /// Boost the chunks of sources (repositories, sites) the question names (`SourceCatalogue`).
    public var sourceBoost = true
    /// What the chunks of a named source (or of a file the question names) gain: added to the
    /// weighted score, or, under RRF, divided by 60 first (the scale of one rank term).
    public var sourceBoostWeight = 0.1
    /// Search several variants of the question and merge the results.
    public var expansion = false
    /// How many variants expansion searches (see `QueryExpansion`).
    public var variants = 3
    /// Score candidates by fusing cosine similarity with BM25 (else by cosine alone).
    public var hybrid = true
    /// Add the lexical index's best matches to the dense candidates (the lexical first stage).
    public var lexicalCandidates = true
    public var fusion = Fusion.weighted
    /// Candidates fetched per variant and per stage, as a multiple of k (at least 20).
    public var candidateFactor = 4
    /// The weight of embedding similarity in the weighted fusion; BM25 gets the rest.
    public var semanticWeight = 0.7
    /// At most this many chunks of one document in the results (nil: no limit).
    public var maxChunksPerDocument: Int? = 2
    /// Give every name the question asks about (`QuestionNames`) a chunk that mentions it, when a
    /// candidate does (`Retriever.covering`).
    public var nameCoverage = true
    /// When the question names two or more sources one by one (`SourceCatalogue.individualReferences`),
    /// search each of them, give each a chunk (`Retriever.coveringSources`), and read no author
    /// filter from the question: a comparison of `karpathy/nanoGPT` with
    /// `huggingface/alignment-handbook` was filtered to the author huggingface, five handbook chunks.
    public var sourceCoverage = true
    /// In how many of their documents the retrieved chunks' repositories must mention a name of the
    /// question that no chunk mentions for it to count as the project's own (`Retriever.repositoryNames`).
    public var repositoryNameDocuments = 4

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

/// What retrieval did: the chunks, the filter it searched with, the sources it boosted, the
/// variants, what it flagged, and stage timings.
public struct Retrieval: Sendable {
    public var chunks: [RetrievedChunk]
    public var filter: SearchFilter
    /// The filter fields read from the question (`author`, `platform`, `kind`, `dates`) and kept.
    public var filtersRead: [String]
    /// Sources the question named, whose chunks were boosted.
    public var boostedSources: [String]
    /// The sources the question names one by one when it names two or more (else empty): each
    /// got a chunk, and the answer's evidence quotes each.
    public var comparedSources: [String]
    public var variants: [String]
    /// `self_query_filter_relaxed` when filters read from the question left fewer than k chunks
    /// and the rest was filled without them.
    public var flags: [String]
    /// Milliseconds per stage: `embed`, `search`, `rerank`.
    public var timings: [String: Double]
}

/// Finds the chunks that answer a question: self-query filters, query variants, filtered vector
/// search per variant, merge and dedup by chunk id, then a hybrid rerank. Each step is a
/// replaceable value with its own tests; `RetrievalOptions` switches them for evaluation.
public struct Retriever: Sendable {
    public typealias Embed = @Sendable ([String]) async throws -> [[Float]]

    public var options: RetrievalOptions
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

    /// What a request will search: its filter (explicit conditions and those read from the
    /// question), the sources to boost, its variants, and the topic used for lexical scoring.
    public struct Plan: Sendable {
        public var request: RetrievalRequest
        public var filter: SearchFilter
        /// The asker's own conditions: what remains when the ones read from the question are dropped.
        public var explicitFilter: SearchFilter
        public var filtersRead: [String]
        public var boostedSources: [String]
        /// The sources the question names one by one when it names two or more (else empty):
        /// each is searched on its own and gets a chunk.
        public var comparedSources: [String]
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
        let catalogue = options.sourceBoost ? SourceCatalogue(sources: index.sources) : nil
        var extractions = [SelfQuery.Extraction?](repeating: nil, count: requests.count)
        if options.selfQuery, options.selfQueryModel, let model = selfQueryModel, let executor = modelExecutor {
            extractions = try await executor.run { try requests.map { try model.extract($0.question, authorIds: authors, now: $0.now) } }
        }
        let plans = zip(requests, extractions).map { plan($0, knownAuthors: authors, catalogue: catalogue, extraction: $1) }
        let started = clock.now
        let vectors = try await embed(plans.flatMap(\.variants))
        let embedding = (clock.now - started).inMilliseconds
        var offset = 0
        return try plans.map { plan in
            defer { offset += plan.variants.count }
            var retrieval = try search(plan, vectors: Array(vectors[offset..<(offset + plan.variants.count)]))
            retrieval.timings["embed"] = embedding
            retrieval.flags += Guardrails().inspectSources(retrieval.chunks.map(\.payload.text))
            return retrieval
        }
    }

    /// The filter (explicit filters first, then what self-query reads: `extraction` when given,
    /// else the rules), the sources the question names, and the variants to search.
    public func plan(_ request: RetrievalRequest, knownAuthors: [String], catalogue: SourceCatalogue? = nil,
                     extraction given: SelfQuery.Extraction? = nil) -> Plan {
        let explicit = SearchFilter(authorIds: request.authorId.map { [$0] }, platforms: request.platform.map { [$0] },
                                    kinds: request.kind.map { [$0] }, dates: request.dates)
        var filter = explicit
        var read: [String] = []
        var topic = request.question
        if options.selfQuery {
            let extraction = given ?? SelfQuery(authorIds: knownAuthors, now: request.now).extract(request.question)
            topic = extraction.topic
            if filter.authorIds == nil, let author = extraction.authorId { filter.authorIds = [author]; read.append("author") }
            if filter.platforms == nil, let platform = extraction.platform { filter.platforms = [platform]; read.append("platform") }
            if filter.kinds == nil, let kind = extraction.kind { filter.kinds = [kind]; read.append("kind") }
            if filter.dates == nil, options.selfQueryDates, let dates = extraction.dates { filter.dates = dates; read.append("dates") }
        }
        let variants = options.expansion
            ? QueryExpansion(variants: options.variants).expand(request.question, topic: topic) : [request.question]
        let named = catalogue?.named(in: request.question) ?? (all: [], individual: [])
        let individual = options.sourceCoverage ? named.individual : []
        let compared = individual.count > 1 ? individual : []
        // An author read from a question that names sources one by one is most often one of their
        // owners ("karpathy/nanoGPT compared with huggingface/alignment-handbook"): as a filter it
        // would hide the other sources the question asks about.
        if !compared.isEmpty, read.contains("author") {
            filter.authorIds = nil
            read.removeAll { $0 == "author" }
        }
        return Plan(request: request, filter: filter, explicitFilter: explicit, filtersRead: read,
                    boostedSources: named.all,
                    comparedSources: compared, variants: variants, topic: topic)
    }

    /// The plan without the author read from the question when that author has no chunk of the
    /// sources the question names: the read author is a guess (the rules read run-llama from the
    /// "run" of "How many pytest workers do Canopy's make targets run with?"), the named source is
    /// what the question asks about, and the filter would hide all of it.
    func withoutContradictedAuthor(_ plan: Plan, query: [Float]?) throws -> Plan {
        guard let query, plan.filtersRead.contains("author"), !plan.boostedSources.isEmpty else { return plan }
        var named = plan.filter
        named.sources = Set(plan.boostedSources)
        guard try index.search(query, k: 1, filter: named).isEmpty else { return plan }
        var widened = plan
        widened.filter.authorIds = plan.explicitFilter.authorIds
        widened.filtersRead.removeAll { $0 == "author" }
        return widened
    }

    /// Searches with the plan's filter. When filters read from the question leave fewer than k
    /// chunks, they are relaxed: what they found keeps its place at the top, the rest is filled
    /// from a search with the asker's filters alone, and the reply is flagged — a wrong guess
    /// (a "post" that meant no platform) never empties the answer, a right one still leads it.
    func search(_ plan: Plan, vectors: [[Float]]) throws -> Retrieval {
        let plan = try withoutContradictedAuthor(plan, query: vectors.first)
        var retrieval = try search(plan, filter: plan.filter, vectors: vectors)
        let k = plan.request.k
        guard retrieval.chunks.count < k, !plan.filtersRead.isEmpty else { return retrieval }
        let wider = try search(plan, filter: plan.explicitFilter, vectors: vectors)
        let found = Set(retrieval.chunks.map(\.chunkId))
        let fill = wider.chunks.filter { !found.contains($0.chunkId) }
        guard !fill.isEmpty else { return retrieval }
        retrieval.chunks += fill.prefix(k - retrieval.chunks.count)
        retrieval.flags.append("self_query_filter_relaxed")
        return retrieval
    }

    /// Dense candidates per variant and lexical candidates (each also restricted to the named
    /// sources when there are some), fused, boosted, limited per document, top k.
    private func search(_ plan: Plan, filter: SearchFilter, vectors: [[Float]]) throws -> Retrieval {
        let clock = ContinuousClock()
        var timings: [String: Double] = [:]
        var started = clock.now
        let perStage = max(20, plan.request.k * options.candidateFactor)
        var filters = [filter]
        for sources in (plan.boostedSources.isEmpty ? [] : [plan.boostedSources]) + plan.comparedSources.map({ [$0] }) {
            var named = filter
            named.sources = Set(sources)
            filters.append(named)
        }
        var similarity: [String: Double] = [:]
        var payloads: [String: ChunkPayload] = [:]
        for filter in filters {
            for vector in vectors {
                for hit in try index.search(vector, k: perStage, filter: filter) {
                    similarity[hit.key] = max(similarity[hit.key] ?? -1, Double(hit.score))
                    payloads[hit.key] = hit.payload
                }
            }
            if options.hybrid, options.lexicalCandidates {
                for hit in try index.lexicalSearch(plan.topic, k: perStage, filter: filter) where payloads[hit.key] == nil {
                    payloads[hit.key] = hit.payload
                }
            }
        }
        let lexicalOnly = payloads.keys.filter { similarity[$0] == nil }.sorted()
        if !lexicalOnly.isEmpty, let query = vectors.first {
            for (key, value) in zip(lexicalOnly, try index.similarities(query, keys: lexicalOnly)) {
                similarity[key] = Double(value ?? -1)
            }
        }
        timings["search"] = (clock.now - started).inMilliseconds

        started = clock.now
        let keys = payloads.keys.sorted()
        var candidates = keys.map { RetrievedChunk(chunkId: $0, score: similarity[$0]!, similarity: similarity[$0]!, payload: payloads[$0]!) }
        if options.hybrid, !candidates.isEmpty {
            candidates = fuse(candidates, lexical: index.lexicalScores(plan.topic, keys: keys))
        }
        if options.sourceBoost {
            let named = Set(plan.boostedSources)
            let words = Set(SourceCatalogue.questionWords(plan.request.question))
            let boost = options.hybrid && options.fusion == .reciprocalRank ? options.sourceBoostWeight / 60 : options.sourceBoostWeight
            for index in candidates.indices {
                let payload = candidates[index].payload
                if named.contains(payload.source) { candidates[index].score += boost }
                if payload.kind == "repository_file", Self.namesFile(payload.title, words: words) { candidates[index].score += boost }
            }
        }
        candidates.sort { ($0.score, $1.chunkId) > ($1.score, $0.chunkId) }
        var chosen = Self.diversify(candidates, k: plan.request.k, perDocument: options.maxChunksPerDocument)
        let names = QuestionNames.names(in: plan.request.question)
        if options.nameCoverage {
            chosen = Self.covering(names, candidates: candidates, chosen: chosen)
        }
        chosen = Self.coveringSources(plan.comparedSources, names: names, candidates: candidates, chosen: chosen)
        timings["rerank"] = (clock.now - started).inMilliseconds
        return Retrieval(chunks: chosen, filter: filter, filtersRead: plan.filtersRead, boostedSources: plan.boostedSources,
                         comparedSources: plan.comparedSources, variants: plan.variants, flags: [], timings: timings)
    }

    /// Scores every candidate from its cosine similarity and its BM25 score (statistics of the
    /// whole index), by the configured fusion.
    func fuse(_ candidates: [RetrievedChunk], lexical: [Double]) -> [RetrievedChunk] {
        switch options.fusion {
        case .weighted:
            let best = lexical.max() ?? 0
            let weight = options.semanticWeight
            return zip(candidates, lexical).map { candidate, score in
                var candidate = candidate
                candidate.score = weight * candidate.similarity + (1 - weight) * (best > 0 ? score / best : 0)
                return candidate
            }
        case .reciprocalRank:
            func ranks(_ values: [Double]) -> [Int] {
                let order = values.indices.sorted { (values[$0], candidates[$1].chunkId) > (values[$1], candidates[$0].chunkId) }
                var rank = [Int](repeating: 0, count: values.count)
                for (position, index) in order.enumerated() { rank[index] = position + 1 }
                return rank
            }
            let dense = ranks(candidates.map(\.similarity)), sparse = ranks(lexical)
            return candidates.indices.map { index in
                var candidate = candidates[index]
                candidate.score = 1 / Double(60 + dense[index]) + (lexical[index] > 0 ? 1 / Double(60 + sparse[index]) : 0)
                return candidate
            }
        }
    }

    /// The names of `question` (`QuestionNames`) that none of `chunks` mentions but that the
    /// repositories (sources) of `chunks` mention in `options.repositoryNameDocuments` or more of
    /// their documents: the project's own names, its maker and what it is ("LibreChat's RAG API",
    /// "Microsoft's RAG on PostgreSQL template", "LangChain's self-hosted Assistants API clone"),
    /// which a chunk of a workflow or a Dockerfile never spells out. A thing the question asks
    /// about that the sources lack (a Kubernetes manifest, a Redis cache) is mentioned in few
    /// documents or none. A size or a number (`30B`, `124M`, `768`) names a variant, never the project: "the LoRA
    /// learning rate for the 30B model" asks about the 30B model however often it is mentioned.
    public func repositoryNames(question: String, chunks: [ChunkPayload]) throws -> [String] {
        let sources = Set(chunks.map(\.source))
        guard !sources.isEmpty else { return [] }
        let haystacks = chunks.map(QuestionNames.haystack)
        var found: [String] = []
        for name in QuestionNames.names(in: question)
        where !QuestionNames.isSize(name) && !haystacks.contains(where: { QuestionNames.mentions($0, name) }) {
            var documents = Set<String>()
            for hit in try index.lexicalSearch(name, k: 100, filter: SearchFilter(sources: sources))
            where QuestionNames.mentions(QuestionNames.haystack(hit.payload), name) {
                documents.insert(hit.payload.documentId)
            }
            if documents.count >= options.repositoryNameDocuments { found.append(name) }
        }
        return found
    }

    /// Whether the question's words name the repository file whose path is `path`: its name with
    /// an extension (`setup.cfg`, `train.py`) or without one (`Makefile`). A user who names a file
    /// wants that file.
    static func namesFile(_ path: String, words: Set<String>) -> Bool {
        guard let name = path.split(separator: "/").last?.lowercased(), name.count >= 4 else { return false }
        return words.contains(name)
    }

    /// `chosen` with every name in `names` mentioned: for a name none of its chunks mentions, the
    /// best-ranked candidate that does takes the place of the lowest-ranked chunk that carries no
    /// name, last. A question about "the SmolLM3 preference config" whose five best chunks are
    /// other recipes' would otherwise be refused as asking about something the sources never
    /// mention (`Grounding`), while a chunk that names SmolLM3 was ranked sixth.
    static func covering(_ names: [String], candidates: [RetrievedChunk], chosen: [RetrievedChunk]) -> [RetrievedChunk] {
        guard !names.isEmpty else { return chosen }
        var mentions = ChunkMentions()
        var result = chosen
        var carriers = Set(result.filter { chunk in names.contains { mentions(chunk, $0) } }.map(\.chunkId))
        for name in names where !result.contains(where: { mentions($0, name) }) {
            guard let replaced = result.lastIndex(where: { !carriers.contains($0.chunkId) }),
                  let found = candidates.first(where: { candidate in
                      mentions(candidate, name) && !result.contains { $0.chunkId == candidate.chunkId }
                  }) else { continue }
            result.remove(at: replaced)
            result.append(found)
            carriers.insert(found.chunkId)
        }
        return result
    }

    /// `chosen` with a chunk of each of `sources` (those a question names one by one): for a source
    /// none of its chunks is from, the best-ranked candidate of it takes the place of the
    /// lowest-ranked chunk whose source has another in `chosen` and that is not the only one to
    /// mention one of `names` (what name coverage brought in stays; a name every chunk of a source
    /// mentions, like the source's own, protects none of them).
    static func coveringSources(_ sources: [String], names: [String], candidates: [RetrievedChunk],
                                chosen: [RetrievedChunk]) -> [RetrievedChunk] {
        var result = chosen
        var mentions = ChunkMentions()
        for source in sources where !result.contains(where: { $0.payload.source == source }) {
            guard let found = candidates.first(where: { candidate in
                      candidate.payload.source == source && !result.contains { $0.chunkId == candidate.chunkId }
                  }),
                  let replaced = result.lastIndex(where: { chunk in
                      let others = result.filter { $0.chunkId != chunk.chunkId }
                      return others.contains { $0.payload.source == chunk.payload.source }
                          && names.allSatisfy { name in !mentions(chunk, name) || others.contains { mentions($0, name) } }
                  }) else { continue }
            result.remove(at: replaced)
            result.append(found)
        }
        return result
    }

    /// Whether a chunk mentions a name (`QuestionNames.mentions`), each chunk's lower-cased
    /// haystack made once, and only for the chunks looked at.
    struct ChunkMentions {
        private var haystacks: [String: String] = [:]

        mutating func callAsFunction(_ chunk: RetrievedChunk, _ name: String) -> Bool {
            let haystack = haystacks[chunk.chunkId] ?? QuestionNames.haystack(chunk.payload)
            haystacks[chunk.chunkId] = haystack
            return QuestionNames.mentions(haystack, name)
        }
    }

    /// The best `k` of a ranking with at most `perDocument` chunks of any one document (nil: no
    /// limit), so one long README cannot fill every place.
    static func diversify(_ ranked: [RetrievedChunk], k: Int, perDocument: Int?) -> [RetrievedChunk] {
        guard let perDocument else { return Array(ranked.prefix(k)) }
        var taken: [String: Int] = [:]
        var chosen: [RetrievedChunk] = []
        for chunk in ranked where chosen.count < k && taken[chunk.payload.documentId, default: 0] < perDocument {
            taken[chunk.payload.documentId, default: 0] += 1
            chosen.append(chunk)
        }
        return chosen
    }
}
