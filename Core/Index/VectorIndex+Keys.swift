extension VectorIndex {
    /// Every live key (chunk id), sorted: what the index holds, for comparing two indexes.
    public var keys: [String] {
        withReadAccess { store.keys.compactMap { $0 } }.sorted()
    }
}
