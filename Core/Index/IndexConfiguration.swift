/// The parameters of one index, fixed at creation and stored in its snapshots.
///
/// Defaults follow hnswlib's common choices for 384-d sentence embeddings (M 16, efConstruction 200).
public struct IndexConfiguration: Sendable, Hashable {
    /// The length of every vector (384 for all-MiniLM-L6-v2). Range 1…65,536.
    public var dimension: Int
    /// Links per node on the upper layers; layer 0 keeps 2·M. Range 2…512.
    public var m: Int
    /// The candidate list size while inserting. Range 1…10,000; larger builds slower and better.
    public var efConstruction: Int
    /// The default candidate list size while searching (raised to k when smaller). Range 1…10,000.
    public var efSearch: Int
    /// When a filter's estimated matches, or the whole collection, are at most this many points,
    /// the planner scans them exactly instead of walking the graph. Range 0…Int32.max.
    public var exactSearchThreshold: Int
    /// Seeds the level generator, so that the same inserts build the same graph.
    public var seed: UInt64

    public init(
        dimension: Int, m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64,
        exactSearchThreshold: Int = 10_000, seed: UInt64 = 0x7477_696E_6C6F_67
    ) {
        self.dimension = dimension
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.exactSearchThreshold = exactSearchThreshold
        self.seed = seed
    }

    func validate() throws(IndexError) {
        func check(_ value: Int, _ range: ClosedRange<Int>, _ name: String) throws(IndexError) {
            guard range.contains(value) else {
                throw .invalidConfiguration("\(name) is \(value), expected \(range.lowerBound)…\(range.upperBound)")
            }
        }
        try check(dimension, 1...65_536, "dimension")
        try check(m, 2...512, "m")
        try check(efConstruction, 1...10_000, "efConstruction")
        try check(efSearch, 1...10_000, "efSearch")
        try check(exactSearchThreshold, 0...Int(Int32.max), "exactSearchThreshold")
    }
}
