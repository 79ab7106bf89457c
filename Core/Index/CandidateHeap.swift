/// A node of the graph paired with its distance (1 − cosine) to the current query.
struct Candidate {
    var distance: Float
    var slot: Int32
}

/// A binary max-heap of candidates keyed by `distance`, on one growable buffer.
///
/// HNSW needs a max-heap of results (to evict the worst) and a min-heap of candidates (to expand the
/// best); the min-heap is this type fed negated distances, so one tuned implementation serves both.
/// A struct over raw storage, used as a local variable on the hot path: locals need no dynamic
/// exclusivity checks, which dominated debug-mode searches when this was a class. The owner (a
/// `SearchScratch` or the function that created it) calls `deallocate()`.
struct CandidateHeap {
    private var storage: UnsafeMutablePointer<Candidate>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    func deallocate() { storage.deallocate() }

    var isEmpty: Bool { count == 0 }

    /// The element with the largest key. Only valid when not empty.
    var top: Candidate { storage[0] }

    mutating func removeAll() { count = 0 }

    mutating func push(_ distance: Float, _ slot: Int32) {
        if count == capacity { grow() }
        var index = count
        count += 1
        while index > 0 {
            let parent = (index - 1) >> 1
            let above = storage[parent]
            if above.distance >= distance { break }
            storage[index] = above
            index = parent
        }
        storage[index] = Candidate(distance: distance, slot: slot)
    }

    /// Removes and returns the element with the largest key. Only valid when not empty.
    @discardableResult
    mutating func pop() -> Candidate {
        let result = storage[0]
        count -= 1
        if count > 0 { siftDown(storage[count]) }
        return result
    }

    /// Replaces the top with a new element; cheaper than `pop` followed by `push`.
    mutating func replaceTop(_ distance: Float, _ slot: Int32) {
        siftDown(Candidate(distance: distance, slot: slot))
    }

    /// Empties the heap into an array sorted by ascending key.
    mutating func drainAscending() -> [Candidate] {
        var result = [Candidate](repeating: Candidate(distance: 0, slot: 0), count: count)
        var index = count - 1
        while count > 0 {
            result[index] = pop()
            index -= 1
        }
        return result
    }

    private func siftDown(_ element: Candidate) {
        var index = 0
        let half = count >> 1
        while index < half {
            var child = 2 * index + 1
            if child + 1 < count, storage[child + 1].distance > storage[child].distance { child += 1 }
            if storage[child].distance <= element.distance { break }
            storage[index] = storage[child]
            index = child
        }
        storage[index] = element
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Candidate>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }
}
