import TwinlogLinalg

/// Exact (brute-force) search over the vector arena, on BLAS: the planner's path for small
/// collections and selective filters, and the ground truth that recall is measured against.
extension HNSWGraph {
    /// The k admitted slots with the largest inner product, best first. The returned candidates
    /// carry the inner product (a score, larger is better) in their `distance` field.
    /// One gemv scores every slot; tombstones and filtered-out slots are skipped when selecting.
    func exactScan(_ query: UnsafePointer<Float>, k: Int, filter: CompiledFilter?) -> [Candidate] {
        guard count > 0 else { return [] }
        var scores = [Float](repeating: 0, count: count)
        scores.withUnsafeMutableBufferPointer { out in
            BLAS.gemv(.none, rows: count, columns: dimension, a: vectors, lda: dimension,
                      x: query, y: out.baseAddress!)
        }
        var best = CandidateHeap(capacity: k + 1)
        defer { best.deallocate() }
        for slot in 0..<Int32(count) where !deleted[Int(slot)] && (filter?.admits(slot) ?? true) {
            Self.keep(score: scores[Int(slot)], slot: slot, k: k, in: &best)
        }
        return Self.bestFirst(&best)
    }

    /// Exact search restricted to the given slots (the points a selective filter matches).
    func exactScan(_ query: UnsafePointer<Float>, k: Int, slots: [Int32], filter: CompiledFilter?) -> [Candidate] {
        var best = CandidateHeap(capacity: k + 1)
        defer { best.deallocate() }
        for slot in slots where !deleted[Int(slot)] && (filter?.admits(slot) ?? true) {
            let score = BLAS.dot(query, vector(slot), count: dimension)
            Self.keep(score: score, slot: slot, k: k, in: &best)
        }
        return Self.bestFirst(&best)
    }

    /// Exact search for many queries at once: blocks of queries against the whole arena as one
    /// gemm each, which is how ground truth for thousands of queries stays cheap.
    func exactScan(batch queries: UnsafePointer<Float>, queryCount: Int, k: Int) -> [[Candidate]] {
        guard count > 0 else { return Array(repeating: [], count: queryCount) }
        let block = max(1, min(queryCount, (1 << 24) / count))
        var scores = [Float](repeating: 0, count: block * count)
        var answers: [[Candidate]] = []
        answers.reserveCapacity(queryCount)
        var start = 0
        while start < queryCount {
            let rows = min(block, queryCount - start)
            scores.withUnsafeMutableBufferPointer { out in
                BLAS.gemm(.none, .transposed, m: rows, n: count, k: dimension,
                          a: queries + start * dimension, lda: dimension, b: vectors, ldb: dimension,
                          c: out.baseAddress!, ldc: count)
            }
            for row in 0..<rows {
                var best = CandidateHeap(capacity: k + 1)
                defer { best.deallocate() }
                for slot in 0..<Int32(count) where !deleted[Int(slot)] {
                    Self.keep(score: scores[row * count + Int(slot)], slot: slot, k: k, in: &best)
                }
                answers.append(Self.bestFirst(&best))
            }
            start += rows
        }
        return answers
    }

    /// Keeps the k largest scores in a max-heap of negated scores (its top is the worst kept).
    @inline(__always)
    private static func keep(score: Float, slot: Int32, k: Int, in heap: inout CandidateHeap) {
        if heap.count < k {
            heap.push(-score, slot)
        } else if -score < heap.top.distance {
            heap.replaceTop(-score, slot)
        }
    }

    private static func bestFirst(_ heap: inout CandidateHeap) -> [Candidate] {
        heap.drainAscending().map { Candidate(distance: -$0.distance, slot: $0.slot) }
    }
}
