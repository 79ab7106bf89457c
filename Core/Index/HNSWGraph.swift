import TwinlogLinalg

/// The HNSW graph (Malkov & Yashunin) over a slot-addressed arena of vectors.
///
/// Layout, chosen for cache behaviour on the search path: vectors are rows of one Float32 arena;
/// layer-0 links are one Int32 arena with a fixed stride (count, then up to 2·M ids), so a node's
/// vector and neighbour list are each one contiguous read. Upper-layer lists (rare: 1 node in M has
/// any) live in a second arena, one block of `level` × (1 + M) per node.
///
/// A slot is either live or a tombstone. Tombstones stay in the graph and are walked through (the
/// graph keeps its connectivity), are never returned, and are recycled by the next insert, which
/// first repairs the lists that pointed at them (see `HNSWGraph+Repair`).
///
/// Not thread-safe by itself: `VectorIndex` holds it behind a reader-writer lock.
final class HNSWGraph {
    let dimension: Int
    let m: Int
    let m0: Int
    let efConstruction: Int
    var levelGenerator: LevelGenerator

    // The hot properties skip dynamic exclusivity checks: every access happens under the index's
    // lock (one writer, or readers only), which is the guarantee those checks would enforce, and in
    // debug builds the checks cost more than the distance computations they guard.

    /// Slots in use (live or tombstone); slots are `0 ..< count`.
    @exclusivity(unchecked) private(set) var count = 0
    private(set) var capacity = 0
    private(set) var tombstoneCount = 0
    @exclusivity(unchecked) var entryPoint: Int32 = -1
    @exclusivity(unchecked) var maxLevel = -1

    @exclusivity(unchecked) private(set) var vectors: UnsafeMutablePointer<Float>
    @exclusivity(unchecked) private(set) var links0: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private(set) var levels: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private(set) var deleted: UnsafeMutablePointer<Bool>
    /// Where a slot's upper-layer block starts in `upperLinks`, and how many levels it can hold.
    @exclusivity(unchecked) private var upperOffset: UnsafeMutablePointer<Int>
    private var upperLevels: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private var upperLinks: UnsafeMutablePointer<Int32>
    private var upperUsed = 0
    private var upperCapacity = 0

    let links0Stride: Int
    let upperStride: Int
    /// Scratch for the single writer; readers borrow theirs from a pool.
    let writerScratch = SearchScratch(slots: 1024)

    init(dimension: Int, m: Int, efConstruction: Int, seed: UInt64) {
        self.dimension = dimension
        self.m = m
        self.m0 = 2 * m
        self.efConstruction = efConstruction
        self.levelGenerator = LevelGenerator(state: seed, m: m)
        links0Stride = 1 + 2 * m
        upperStride = 1 + m
        vectors = .allocate(capacity: 0)
        links0 = .allocate(capacity: 0)
        levels = .allocate(capacity: 0)
        deleted = .allocate(capacity: 0)
        upperOffset = .allocate(capacity: 0)
        upperLevels = .allocate(capacity: 0)
        upperLinks = .allocate(capacity: 0)
    }

    deinit {
        vectors.deallocate()
        links0.deallocate()
        levels.deallocate()
        deleted.deallocate()
        upperOffset.deallocate()
        upperLevels.deallocate()
        upperLinks.deallocate()
    }

    var liveCount: Int { count - tombstoneCount }

    @inline(__always)
    func vector(_ slot: Int32) -> UnsafeMutablePointer<Float> {
        vectors + Int(slot) * dimension
    }

    /// 1 − cosine similarity of two stored or query vectors; smaller is closer.
    @inline(__always)
    func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        1 - BLAS.dot(a, b, count: dimension)
    }

    /// A node's neighbour list on one layer: element 0 is the count, the ids follow.
    @inline(__always)
    func links(_ slot: Int32, layer: Int) -> UnsafeMutablePointer<Int32> {
        if layer == 0 { return links0 + Int(slot) * links0Stride }
        return upperLinks + upperOffset[Int(slot)] + (layer - 1) * upperStride
    }

    /// The most links a node may keep on a layer.
    @inline(__always)
    func maxLinks(layer: Int) -> Int { layer == 0 ? m0 : m }

    func level(_ slot: Int32) -> Int { Int(levels[Int(slot)]) }

    func isDeleted(_ slot: Int32) -> Bool { deleted[Int(slot)] }

    func markDeleted(_ slot: Int32) {
        precondition(!deleted[Int(slot)], "slot \(slot) deleted twice")
        deleted[Int(slot)] = true
        tombstoneCount += 1
    }

    /// Appends a slot with no links; the caller writes its vector and links it.
    func appendSlot() -> Int32 {
        if count == capacity { reserve(max(1024, capacity * 2)) }
        let slot = Int32(count)
        count += 1
        levels[Int(slot)] = 0
        deleted[Int(slot)] = false
        upperOffset[Int(slot)] = 0
        upperLevels[Int(slot)] = 0
        links0[Int(slot) * links0Stride] = 0
        return slot
    }

    /// Marks a tombstone live again (its vector and links are rewritten by the caller).
    func revive(_ slot: Int32) {
        if deleted[Int(slot)] {
            deleted[Int(slot)] = false
            tombstoneCount -= 1
        }
    }

    /// Gives a slot `level` upper layers, all empty, reusing its old block when it is big enough.
    func setLevel(_ slot: Int32, _ level: Int) {
        let index = Int(slot)
        levels[index] = Int32(level)
        links0[index * links0Stride] = 0
        guard level > 0 else { return }
        if Int(upperLevels[index]) < level {
            let needed = level * upperStride
            if upperUsed + needed > upperCapacity { growUpper(minimum: upperUsed + needed) }
            upperOffset[index] = upperUsed
            upperLevels[index] = Int32(level)
            upperUsed += needed
        }
        for layer in 1...level { links(slot, layer: layer)[0] = 0 }
    }

    /// Bytes held by the arenas (what the graph costs in memory, payloads excluded).
    var memoryBytes: Int {
        capacity * (dimension * 4 + links0Stride * 4 + 4 + 1 + 8 + 4) + upperCapacity * 4
    }

    func reserve(_ newCapacity: Int) {
        guard newCapacity > capacity else { return }
        vectors = Self.grown(vectors, from: capacity * dimension, to: newCapacity * dimension, huge: true)
        links0 = Self.grown(links0, from: capacity * links0Stride, to: newCapacity * links0Stride, huge: true)
        levels = Self.grown(levels, from: capacity, to: newCapacity)
        deleted = Self.grown(deleted, from: capacity, to: newCapacity)
        upperOffset = Self.grown(upperOffset, from: capacity, to: newCapacity)
        upperLevels = Self.grown(upperLevels, from: capacity, to: newCapacity)
        capacity = newCapacity
    }

    private func growUpper(minimum: Int) {
        let newCapacity = max(minimum, upperCapacity * 2, 1024)
        upperLinks = Self.grown(upperLinks, from: upperCapacity, to: newCapacity)
        upperCapacity = newCapacity
    }

    private static func grown<T>(
        _ old: UnsafeMutablePointer<T>, from: Int, to: Int, huge: Bool = false
    ) -> UnsafeMutablePointer<T> {
        let bigger = huge ? LargeAllocation.allocate(T.self, capacity: to) : .allocate(capacity: to)
        bigger.moveInitialize(from: old, count: from)
        old.deallocate()
        return bigger
    }
}
