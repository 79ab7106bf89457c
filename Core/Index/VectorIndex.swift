import TwinlogLinalg

/// An approximate nearest-neighbour index of L2-normalized Float32 vectors (cosine similarity as
/// inner product) keyed by chunk id, with payloads, filtered search, deletes and snapshots.
///
/// Concurrency model: many concurrent searches, one writer at a time. Every method may be called
/// from any thread. Searches (`search`, `exactSearch`, `statistics`, `encodeSnapshot`) take a
/// shared read lock and run in parallel; each borrows its own scratch memory from a pool, so they
/// share nothing mutable. `upsert` and `delete` take the exclusive write lock, so a search sees
/// the index either before or after a write, never halfway. Writes are short (an insert is a few
/// thousand distance computations, well under a millisecond at 384-d), so readers wait at most
/// that long; a snapshot holds the read lock while it serializes, so writers wait for that. Calls block the calling
/// thread: from Swift concurrency, call from a task that may block, as for any CPU-bound work.
public final class VectorIndex: @unchecked Sendable {
    /// The parameters the index was created with.
    public let configuration: IndexConfiguration

    // Everything below is guarded by `lock`: read under the read lock, written under the write lock.
    private let lock = ReadWriteLock()
    private let scratchPool = ScratchPool()
    let graph: HNSWGraph
    let store = PayloadStore()
    let lexical = LexicalIndex()
    var freeSlots: [Int32] = []
    var storedLogPosition: [UInt8] = []

    /// Creates an empty index.
    public init(configuration: IndexConfiguration) throws(IndexError) {
        try configuration.validate()
        self.configuration = configuration
        graph = HNSWGraph(dimension: configuration.dimension, m: configuration.m,
                          efConstruction: configuration.efConstruction, seed: configuration.seed)
    }

    /// The number of live (searchable) points.
    public var count: Int { lock.withReadLock { graph.liveCount } }

    /// Whether a chunk id is in the index.
    public func contains(key: String) -> Bool { lock.withReadLock { store.slot(for: key) != nil } }

    /// The stored payload of a chunk id.
    public func payload(for key: String) -> ChunkPayload? {
        lock.withReadLock { store.slot(for: key).flatMap { store.payloads[Int($0)] } }
    }

    /// The stored vector of a chunk id.
    public func vector(for key: String) -> [Float]? {
        lock.withReadLock {
            store.slot(for: key).map { Array(UnsafeBufferPointer(start: graph.vector($0), count: graph.dimension)) }
        }
    }

    /// The opaque log position (topic offsets) that the index's contents reflect; saved in snapshots.
    public var logPosition: [UInt8] {
        get { lock.withReadLock { storedLogPosition } }
        set { lock.withWriteLock { storedLogPosition = newValue } }
    }

    /// Inserts a point, or replaces the vector and payload of an existing key.
    ///
    /// A new point takes a tombstone's slot when there is one (after the graph is repaired around
    /// the tombstone), so deletes do not grow the index and recall does not decay.
    public func upsert(key: String, vector: [Float], payload: ChunkPayload) throws(IndexError) {
        try VectorValidation.check(vector, dimension: configuration.dimension, role: "vector for key \"\(key)\"")
        lock.withWriteLock {
            if let slot = store.slot(for: key) {
                if !sameVector(slot, vector) { relink(slot, vector) }
                assign(slot, key: key, payload: payload)
            } else if let slot = freeSlots.popLast() {
                graph.revive(slot)
                relink(slot, vector)
                assign(slot, key: key, payload: payload)
            } else {
                let slot = graph.appendSlot()
                write(vector, to: slot)
                graph.setLevel(slot, graph.levelGenerator.nextLevel())
                graph.link(slot)
                assign(slot, key: key, payload: payload)
            }
        }
    }

    /// Deletes a key; returns whether it was present. The point becomes a tombstone at once
    /// (never returned again) and its slot is recycled by a later insert.
    @discardableResult
    public func delete(key: String) -> Bool {
        lock.withWriteLock {
            guard let slot = store.slot(for: key) else { return false }
            store.remove(slot)
            lexical.remove(slot)
            graph.markDeleted(slot)
            freeSlots.append(slot)
            return true
        }
    }

    /// The k nearest live points to `query` that pass `filter`, best first.
    ///
    /// The planner, as Qdrant plans by cardinality: a collection or a filter's matches of at most
    /// `exactSearchThreshold` points are scanned exactly (the count comes from the payload
    /// postings); otherwise the graph is walked with the filter applied to the results (the walk
    /// goes on through rejected points). Results always honour the filter. `efSearch` overrides
    /// the configured default for this call.
    public func search(
        _ query: [Float], k: Int, filter: SearchFilter = .none, efSearch: Int? = nil
    ) throws(IndexError) -> [SearchHit] {
        try VectorValidation.check(query, dimension: configuration.dimension, role: "query")
        guard (1...10_000).contains(k) else { throw .invalidArgument("k is \(k), expected 1…10000") }
        let ef = efSearch ?? configuration.efSearch
        guard (1...100_000).contains(ef) else { throw .invalidArgument("efSearch is \(ef), expected 1…100000") }
        return lock.withReadLock {
            query.withUnsafeBufferPointer { buffer in
                let query = buffer.baseAddress!
                guard graph.liveCount > 0 else { return [] }
                let compiled = store.compile(filter)
                let threshold = configuration.exactSearchThreshold
                if let compiled {
                    // The postings of the most selective condition bound the matches from above.
                    // Several broad conditions can still match few points together, and a walk for
                    // a filter that matches almost nothing visits the whole graph: count those.
                    let bound = compiled.upperBound
                    let worthCounting = compiled.conditionCount > 1 && bound <= 4 * threshold
                    if bound <= threshold || worthCounting {
                        let matching = compiled.candidateSlots().filter { compiled.admits($0) }
                        if matching.count <= threshold {
                            return hits(scored: graph.exactScan(query, k: k, slots: matching, filter: nil))
                        }
                    }
                }
                if graph.liveCount <= threshold {
                    return hits(scored: graph.exactScan(query, k: k, filter: compiled))
                }
                return hits(walked: walk(query, k: k, ef: max(ef, k), filter: compiled))
            }
        }
    }

    /// The exact k nearest live points that pass `filter`, by brute force on BLAS.
    public func exactSearch(_ query: [Float], k: Int, filter: SearchFilter = .none) throws(IndexError) -> [SearchHit] {
        try VectorValidation.check(query, dimension: configuration.dimension, role: "query")
        guard (1...10_000).contains(k) else { throw .invalidArgument("k is \(k), expected 1…10000") }
        return lock.withReadLock {
            query.withUnsafeBufferPointer { buffer in
                hits(scored: graph.exactScan(buffer.baseAddress!, k: k, filter: store.compile(filter)))
            }
        }
    }

    /// Exact k nearest live points for many queries at once (blocks of queries as one gemm each);
    /// the ground truth for recall measurements.
    public func exactSearch(batch queries: [[Float]], k: Int) throws(IndexError) -> [[SearchHit]] {
        for (index, query) in queries.enumerated() {
            try VectorValidation.check(query, dimension: configuration.dimension, role: "query \(index)")
        }
        guard (1...10_000).contains(k) else { throw .invalidArgument("k is \(k), expected 1…10000") }
        let flat = queries.flatMap { $0 }
        return lock.withReadLock {
            flat.withUnsafeBufferPointer { buffer in
                graph.exactScan(batch: buffer.baseAddress!, queryCount: queries.count, k: k).map(hits(scored:))
            }
        }
    }

    /// Runs `body` under the shared read lock (for extensions that read the graph or the store).
    func withReadAccess<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try lock.withReadLock(body)
    }

    // MARK: - Under the write lock

    /// Stores the payload at a slot and indexes its text for lexical search.
    func assign(_ slot: Int32, key: String, payload: ChunkPayload) {
        let previous = store.payloads.indices.contains(Int(slot)) ? store.payloads[Int(slot)] : nil
        store.assign(slot, key: key, payload: payload)
        if previous.map({ !$0.hasSameLexicalFields(as: payload) }) ?? true { lexical.set(slot, fields: payload.lexicalFields) }
    }

    private func sameVector(_ slot: Int32, _ vector: [Float]) -> Bool {
        let stored = graph.vector(slot)
        for index in 0..<vector.count where stored[index] != vector[index] { return false }
        return true
    }

    private func write(_ vector: [Float], to slot: Int32) {
        vector.withUnsafeBufferPointer { graph.vector(slot).update(from: $0.baseAddress!, count: vector.count) }
    }

    /// Gives an existing slot a new vector: repair the graph around the old point, then link the
    /// new one at the same level (stale links into the slot stay valid for every layer they use).
    private func relink(_ slot: Int32, _ vector: [Float]) {
        graph.detach(slot)
        write(vector, to: slot)
        graph.setLevel(slot, graph.level(slot))
        graph.link(slot)
    }

    // MARK: - Under the read lock

    private func walk(_ query: UnsafePointer<Float>, k: Int, ef: Int, filter: CompiledFilter?) -> [Candidate] {
        let scratch = scratchPool.borrow(slots: graph.count)
        defer { scratchPool.giveBack(scratch) }
        let entry = graph.entryPoint
        let (start, startDistance) = graph.descend(
            query, from: entry, distance: graph.distance(query, graph.vector(entry)),
            layer: graph.maxLevel, lowestLayer: 1)
        let found = graph.searchLayer(query, entry: start, entryDistance: startDistance, ef: ef, layer: 0,
                                      scratch: scratch, admission: Admission(filter: filter))
        return Array(found.prefix(k))
    }

    private func hits(walked: [Candidate]) -> [SearchHit] {
        walked.map { hit(slot: $0.slot, score: 1 - $0.distance) }
    }

    private func hits(scored: [Candidate]) -> [SearchHit] {
        scored.map { hit(slot: $0.slot, score: $0.distance) }
    }

    private func hit(slot: Int32, score: Float) -> SearchHit {
        SearchHit(key: store.keys[Int(slot)]!, score: score, payload: store.payloads[Int(slot)]!)
    }
}
