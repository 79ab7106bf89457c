import Foundation
import TwinlogEvents
import TwinlogPostgres
import TwinlogText

/// Where a change sits in the warehouse's history: its transaction's commit LSN, then its place
/// inside the transaction. The CDC relay repeats a change only with its original position, so a
/// change at or before the last one applied to a document is a duplicate.
public struct ChangePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var lsn: Int64
    public var sequence: Int

    public init(lsn: Int64, sequence: Int) {
        self.lsn = lsn
        self.sequence = sequence
    }

    /// Before every real change: the position of a document never seen.
    public static let origin = ChangePosition(lsn: -1, sequence: -1)

    public static func < (a: ChangePosition, b: ChangePosition) -> Bool { (a.lsn, a.sequence) < (b.lsn, b.sequence) }
    public var description: String { "\(lsn):\(sequence)" }
}

/// The current version of a document, as a `documents` row in a change event.
public struct DocumentRow: Sendable, Equatable {
    public var documentId: String
    public var authorId: String
    public var platform: Platform
    public var kind: DocumentKind
    public var title: String
    public var url: String
    /// Nil when the change did not carry it (an unchanged TOASTed value in an update).
    public var content: String?
    public var contentHash: String
    public var capturedAt: Date
    /// When the document was published, when its source said.
    public var publishedAt: Date?

    public init(documentId: String, authorId: String, platform: Platform, kind: DocumentKind, title: String, url: String,
                content: String?, contentHash: String, capturedAt: Date, publishedAt: Date? = nil) {
        self.documentId = documentId
        self.authorId = authorId
        self.platform = platform
        self.kind = kind
        self.title = title
        self.url = url
        self.content = content
        self.contentHash = contentHash
        self.capturedAt = capturedAt
        self.publishedAt = publishedAt
    }
}

/// What a warehouse change asks of the feature consumer.
public enum FeatureChange: Sendable, Equatable {
    /// A document was inserted, updated or read by the relay's initial snapshot.
    case upsert(DocumentRow, ChangePosition)
    /// A document was deleted.
    case delete(documentId: String, ChangePosition)
    /// An author row was deleted (an erasure): every document of theirs goes.
    case eraseAuthor(authorId: String, ChangePosition)
    /// The documents table was truncated (a warehouse replay): every document seen before goes.
    case truncate(ChangePosition)

    public var position: ChangePosition {
        switch self {
        case .upsert(_, let position), .delete(_, let position), .eraseAuthor(_, let position), .truncate(let position): position
        }
    }

    /// The feature consumer's reading of `change`; nil for changes that do not concern it
    /// (versions, author upserts). Throws when a documents or authors change lacks what it needs.
    public init?(_ change: WarehouseChange) throws(EventError) {
        let position = ChangePosition(lsn: change.lsn, sequence: change.sequence)
        switch (change.table, change.op) {
        case ("documents", .create), ("documents", .update), ("documents", .read):
            guard let after = change.after else { throw EventError("a documents \(change.op.rawValue) change has no after image") }
            self = .upsert(try Self.row(after), position)
        case ("documents", .delete):
            guard let id = change.key["document_id"] else { throw EventError("a documents delete has no document_id key") }
            self = .delete(documentId: id, position)
        case ("documents", .truncate):
            self = .truncate(position)
        case ("authors", .delete):
            guard let id = change.key["author_id"] else { throw EventError("an authors delete has no author_id key") }
            self = .eraseAuthor(authorId: id, position)
        default:
            return nil
        }
    }

    private static func row(_ after: [String: String?]) throws(EventError) -> DocumentRow {
        func column(_ name: String) throws(EventError) -> String {
            guard let value = after[name] ?? nil else { throw EventError("the documents row has no \(name)") }
            return value
        }
        let platformText = try column("platform"), kindText = try column("kind"), capturedText = try column("captured_at")
        guard let platform = Platform(rawValue: platformText) else { throw EventError("unknown platform \(platformText)") }
        guard let kind = DocumentKind(rawValue: kindText) else { throw EventError("unknown document kind \(kindText)") }
        guard let capturedAt = PostgresTimestamp.parse(capturedText) else { throw EventError("captured_at is not a timestamp: \(capturedText)") }
        var publishedAt: Date?
        if let publishedText = after["published_at"] ?? nil {
            guard let date = PostgresTimestamp.parse(publishedText) else { throw EventError("published_at is not a timestamp: \(publishedText)") }
            publishedAt = date
        }
        return DocumentRow(documentId: try column("document_id"), authorId: try column("author_id"), platform: platform, kind: kind,
                           title: try column("title"), url: try column("source_url"), content: after["content"] ?? nil,
                           contentHash: try column("content_hash"), capturedAt: capturedAt, publishedAt: publishedAt)
    }
}
