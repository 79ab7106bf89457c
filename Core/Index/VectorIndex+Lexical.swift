/// One lexical search result: the chunk id, its BM25 score for the query, and its payload.
public struct LexicalHit: Sendable, Hashable {
    public let key: String
    /// Okapi BM25 (k1 1.2, b 0.75) over the payload's `lexicalFields`, with statistics of every live point.
    public let score: Double
    public let payload: ChunkPayload
}

extension VectorIndex {
    /// The `k` live points whose text best matches `query` by BM25 and that pass `filter`, best
    /// first (equal scores by key). Terms are read by `LexicalTerms`; a query without a known term
    /// finds nothing.
    public func lexicalSearch(_ query: String, k: Int, filter: SearchFilter = .none) throws(IndexError) -> [LexicalHit] {
        guard (1...10_000).contains(k) else { throw .invalidArgument("k is \(k), expected 1…10000") }
        return withReadAccess {
            let compiled = store.compile(filter)
            let found = lexical.search(query, k: k, admits: { compiled?.admits($0) ?? true }, key: { store.keys[Int($0)]! })
            return found.map { LexicalHit(key: store.keys[Int($0.slot)]!, score: $0.score, payload: store.payloads[Int($0.slot)]!) }
        }
    }

    /// The BM25 score of each key's text for `query`; 0 for a key the index does not hold.
    public func lexicalScores(_ query: String, keys: [String]) -> [Double] {
        withReadAccess {
            let weighted = lexical.weightedTerms(query)
            return keys.map { key in store.slot(for: key).map { lexical.score($0, weighted: weighted) } ?? 0 }
        }
    }

    /// The cosine similarity of `query` to each key's stored vector; nil for a key the index does not hold.
    public func similarities(_ query: [Float], keys: [String]) throws(IndexError) -> [Float?] {
        try VectorValidation.check(query, dimension: configuration.dimension, role: "query")
        return withReadAccess {
            query.withUnsafeBufferPointer { buffer in
                keys.map { key in store.slot(for: key).map { 1 - graph.distance(buffer.baseAddress!, graph.vector($0)) } }
            }
        }
    }

    /// Every term the lexical index holds for some live point, sorted: after an erasure, none of
    /// the erased texts' own terms remain.
    public var lexicalVocabulary: [String] {
        withReadAccess { lexical.vocabulary }
    }

    /// The sources (repositories, sites, feeds) some live chunk comes from, sorted (what a
    /// question can name).
    public var sources: [String] {
        withReadAccess { store.liveValues(.source).filter { !$0.isEmpty } }.sorted()
    }
}
