/// Marks which slots one graph walk has already reached.
///
/// A generation tag per slot instead of a bit set that is cleared each time: starting a walk is one
/// increment, and the array is wiped only when the 16-bit tag wraps (once every 65,535 walks).
/// A struct for the same reason as `CandidateHeap`: walks keep it in a local variable.
struct VisitedSet {
    private var marks: UnsafeMutablePointer<UInt16>
    private var capacity: Int
    private var tag: UInt16 = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        marks = .allocate(capacity: self.capacity)
        marks.initialize(repeating: 0, count: self.capacity)
    }

    func deallocate() { marks.deallocate() }

    /// Forgets every mark and makes room for `slots` slots.
    mutating func begin(slots: Int) {
        if slots > capacity {
            marks.deallocate()
            capacity = max(slots, capacity * 2)
            marks = .allocate(capacity: capacity)
            marks.initialize(repeating: 0, count: capacity)
            tag = 0
        }
        tag &+= 1
        if tag == 0 {
            marks.update(repeating: 0, count: capacity)
            tag = 1
        }
    }

    /// Marks a slot; returns false when it was already marked in this walk.
    @inline(__always)
    func insert(_ slot: Int32) -> Bool {
        let index = Int(slot)
        if marks[index] == tag { return false }
        marks[index] = tag
        return true
    }
}

/// The per-walk working memory: visited marks and the two heaps of the layer search. One walk at
/// a time uses a scratch (the writer owns one; readers borrow theirs from a `ScratchPool`).
final class SearchScratch {
    var visited: VisitedSet
    var candidates = CandidateHeap()
    var results = CandidateHeap()

    init(slots: Int) {
        visited = VisitedSet(capacity: slots)
    }

    deinit {
        visited.deallocate()
        candidates.deallocate()
        results.deallocate()
    }
}
