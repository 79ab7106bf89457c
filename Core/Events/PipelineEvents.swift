import Foundation
import TwinlogText

/// One row change in the warehouse, relayed from PostgreSQL's logical replication (pgoutput) to
/// `twin.warehouse.changes`, keyed by table + primary key. Consumers deduplicate by `lsn`.
public struct WarehouseChange: TwinlogEvent {
    public static let eventType = "twin.warehouse.change"
    public static let schemaName = "WarehouseChange"
    public static let schemaVersion = 1
    public var eventKey: String { "\(table):\(key.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))" }

    /// c = insert, u = update, d = delete, t = truncate, r = snapshot read (Debezium's letters).
    public enum Operation: String, Codable, Sendable { case create = "c", update = "u", delete = "d", truncate = "t", read = "r" }

    public var op: Operation
    public var table: String
    /// Primary-key columns and their text values.
    public var key: [String: String]
    /// Column values before the change (updates and deletes under REPLICA IDENTITY FULL); nil values are SQL NULL.
    public var before: [String: String?]?
    /// Column values after the change (inserts, updates, snapshot reads).
    public var after: [String: String?]?
    /// The commit LSN of the transaction, as a 64-bit integer; with `sequence`, unique per change.
    public var lsn: Int64
    /// The change's position inside its transaction.
    public var sequence: Int
    public var transactionId: Int64
    public var commitTime: Date

    public init(op: Operation, table: String, key: [String: String], before: [String: String?]?, after: [String: String?]?,
                lsn: Int64, sequence: Int, transactionId: Int64, commitTime: Date) {
        self.op = op
        self.table = table
        self.key = key
        self.before = before
        self.after = after
        self.lsn = lsn
        self.sequence = sequence
        self.transactionId = transactionId
        self.commitTime = commitTime
    }
}

/// A chunk of a document with its embedding, published to the compacted `twin.chunks` topic keyed
/// by chunk id. The index is a materialized view of these events.
public struct ChunkEmbedded: TwinlogEvent {
    public static let eventType = "twin.chunk.embedded"
    public static let schemaName = "ChunkEmbedded"
    public static let schemaVersion = 1
    public var eventKey: String { chunkId }

    public var chunkId: String
    public var documentId: String
    public var authorId: String
    public var platform: Platform
    public var kind: DocumentKind
    public var title: String
    public var url: String
    public var text: String
    public var chunkIndex: Int
    /// The embedding as base64 of little-endian Float32 values.
    public var embedding: String
    public var dimensions: Int
    public var model: String
    /// When the source document was captured, for freshness measurements.
    public var sourceTime: Date
    /// When the document was published, when its source says (absent in events written before
    /// the field existed).
    public var publishedAt: Date?
    /// Where the document comes from: a repository (`owner/name`) or a site's host (optional).
    public var source: String?
    /// The chunk's heading or definition trail in its document, outermost first, joined by " > "
    /// (optional).
    public var section: String?

    public init(chunkId: String, documentId: String, authorId: String, platform: Platform, kind: DocumentKind,
                title: String, url: String, text: String, chunkIndex: Int, vector: [Float], model: String, sourceTime: Date,
                publishedAt: Date? = nil, source: String? = nil, section: String? = nil) {
        self.chunkId = chunkId
        self.documentId = documentId
        self.authorId = authorId
        self.platform = platform
        self.kind = kind
        self.title = title
        self.url = url
        self.text = text
        self.chunkIndex = chunkIndex
        self.embedding = EmbeddingCoding.encode(vector)
        self.dimensions = vector.count
        self.model = model
        self.sourceTime = sourceTime
        self.publishedAt = publishedAt
        self.source = source
        self.section = section
    }

    /// The date a time-range question tests: the publication date, else the capture time.
    public var documentDate: Date { publishedAt ?? sourceTime }

    /// The decoded embedding; nil when the base64 is invalid or its length disagrees with `dimensions`.
    public var vector: [Float]? {
        guard let vector = EmbeddingCoding.decode(embedding), vector.count == dimensions else { return nil }
        return vector
    }
}

/// A chunk disappeared (its document changed, was deleted, or its author erased). Published to
/// `twin.chunks` keyed by chunk id, followed by a tombstone for compaction.
public struct ChunkRemoved: TwinlogEvent {
    public static let eventType = "twin.chunk.removed"
    public static let schemaName = "ChunkRemoved"
    public static let schemaVersion = 1
    public var eventKey: String { chunkId }

    public var chunkId: String
    public var documentId: String
    public var authorId: String
    public var reason: String

    public init(chunkId: String, documentId: String, authorId: String, reason: String) {
        self.chunkId = chunkId
        self.documentId = documentId
        self.authorId = authorId
        self.reason = reason
    }
}

/// Base64 of little-endian Float32 values, the embedding encoding inside events.
public enum EmbeddingCoding {
    public static func encode(_ vector: [Float]) -> String {
        Data(bytes(vector)).base64EncodedString()
    }

    public static func decode(_ text: String) -> [Float]? {
        guard let data = Data(base64Encoded: text) else { return nil }
        return vector(Array(data))
    }

    /// The vector as Float32 little-endian bytes (the payload of the base64 text; also how the
    /// drift monitor stores embeddings).
    public static func bytes(_ vector: [Float]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    /// Float32 little-endian bytes as a vector; nil when the length is not a multiple of 4.
    public static func vector(_ bytes: [UInt8]) -> [Float]? {
        guard bytes.count % 4 == 0 else { return nil }
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }
}
