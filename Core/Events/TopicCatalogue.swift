/// Every topic Twinlog uses, in one place: names, partition counts, retention and compaction.
///
/// `prefix` namespaces a whole deployment (tests give each test its own prefix so they never see
/// each other's data); production uses the empty prefix.
public struct TopicCatalogue: Sendable {
    public var prefix: String
    /// Partitions of the keyed, scalable topics (documents, changes, chunks, queries, replies).
    public var partitions: Int32

    public init(prefix: String = "", partitions: Int32 = 4) {
        self.prefix = prefix
        self.partitions = partitions
    }

    /// The source of truth: DocumentCaptured, DocumentRemoved, AuthorErased; kept forever.
    public var documents: String { prefix + "twin.documents" }
    /// WarehouseChange events relayed from PostgreSQL's logical replication.
    public var warehouseChanges: String { prefix + "twin.warehouse.changes" }
    /// ChunkEmbedded / ChunkRemoved + tombstones; compacted, so it always holds the live chunk set.
    public var chunks: String { prefix + "twin.chunks" }
    public var drift: String { prefix + "twin.drift" }
    public var datasets: String { prefix + "twin.datasets" }
    /// ModelPublished; compacted on its single key, so the latest champion is always there.
    public var models: String { prefix + "twin.models" }
    public var queries: String { prefix + "twin.queries" }
    /// The default reply topic for askers that do not name their own.
    public var replies: String { prefix + "twin.replies" }

    /// The dead-letter topic of one consumer (`twin.dlq.warehouse`, …).
    public func deadLetter(consumer: String) -> String { prefix + "twin.dlq." + consumer }

    /// The consumers that own a dead-letter topic.
    public static let consumers = ["warehouse", "cdc", "features", "index", "drift", "training", "inference"]

    /// The largest record `twin.documents` accepts: a 5 MiB document plus its envelope.
    public static let maxDocumentRecord = 8 << 20
}
