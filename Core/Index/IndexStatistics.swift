/// What `twinlog index stats` shows: the size and shape of an index.
public struct IndexStatistics: Sendable, Hashable, Codable {
    public let configuration: IndexConfigurationSummary
    /// Points that searches can return.
    public let liveCount: Int
    /// Deleted points still in the graph, waiting for an insert to reuse their slot.
    public let tombstoneCount: Int
    /// The top layer of the graph (-1 when empty).
    public let maxLevel: Int
    /// Nodes per top level: element i counts the nodes whose highest layer is i.
    public let nodesPerLevel: [Int]
    /// Mean number of layer-0 links per node.
    public let meanDegree: Double
    /// Bytes held by vectors and links (payload strings not included).
    public let memoryBytes: Int
    /// Bytes held by the lexical (BM25) index: postings, per-chunk term lists, the dictionary.
    public let lexicalMemoryBytes: Int
    public let distinctAuthors: Int
    public let distinctPlatforms: Int
    public let distinctKinds: Int
    public let distinctDocuments: Int
    public let logPositionBytes: Int
}

/// The index parameters as reported (`IndexConfiguration` without its seed).
public struct IndexConfigurationSummary: Sendable, Hashable, Codable {
    public let dimension: Int
    public let m: Int
    public let efConstruction: Int
    public let efSearch: Int
    public let exactSearchThreshold: Int
}

extension VectorIndex {
    /// The authors some live chunk belongs to, sorted (what a question can name).
    public var authorIds: [String] {
        withReadAccess { store.liveValues(.author) }.sorted()
    }

    /// The current size and shape of the index.
    public func statistics() -> IndexStatistics {
        withReadAccess {
            var perLevel = [Int](repeating: 0, count: max(graph.maxLevel + 1, 0))
            var links = 0
            for slot in 0..<Int32(graph.count) {
                perLevel[graph.level(slot)] += 1
                links += Int(graph.links(slot, layer: 0)[0])
            }
            let c = configuration
            return IndexStatistics(
                configuration: .init(dimension: c.dimension, m: c.m, efConstruction: c.efConstruction,
                                     efSearch: c.efSearch, exactSearchThreshold: c.exactSearchThreshold),
                liveCount: graph.liveCount, tombstoneCount: graph.tombstoneCount, maxLevel: graph.maxLevel,
                nodesPerLevel: perLevel, meanDegree: graph.count == 0 ? 0 : Double(links) / Double(graph.count),
                memoryBytes: graph.memoryBytes, lexicalMemoryBytes: lexical.memoryBytes, distinctAuthors: store.distinctValues(.author),
                distinctPlatforms: store.distinctValues(.platform), distinctKinds: store.distinctValues(.kind),
                distinctDocuments: store.distinctValues(.document), logPositionBytes: storedLogPosition.count)
        }
    }
}
