import Foundation
import TwinlogText

/// A crawler captured a document (or a new version of it). Emitted to `twin.documents`, keyed by
/// the document id; the warehouse materializer turns it into the current version and history.
public struct DocumentCaptured: TwinlogEvent {
    public static let eventType = "twin.document.captured"
    public static let schemaName = "DocumentCaptured"
    public static let schemaVersion = 1
    public var eventKey: String { documentId }

    public var documentId: String
    public var authorId: String
    public var authorName: String
    public var platform: Platform
    public var kind: DocumentKind
    public var sourceUrl: String
    public var title: String
    /// The cleaned text.
    public var content: String
    /// SHA-256 (lowercase hex) of `content`.
    public var contentHash: String
    public var capturedAt: Date
    public var publishedAt: Date?
    /// Source-specific facts: commit, path and language for repository files, tags for posts.
    public var metadata: [String: String]

    public init(documentId: String, authorId: String, authorName: String, platform: Platform, kind: DocumentKind,
                sourceUrl: String, title: String, content: String, contentHash: String? = nil,
                capturedAt: Date, publishedAt: Date? = nil, metadata: [String: String] = [:]) {
        self.documentId = documentId
        self.authorId = authorId
        self.authorName = authorName
        self.platform = platform
        self.kind = kind
        self.sourceUrl = sourceUrl
        self.title = title
        self.content = content
        self.contentHash = contentHash ?? EventIDs.contentHash(content)
        self.capturedAt = capturedAt
        self.publishedAt = publishedAt
        self.metadata = metadata
    }
}

/// A document no longer exists at its source (a deleted file, a removed post). Emitted to
/// `twin.documents`, keyed by the document id; the warehouse deletes it.
public struct DocumentRemoved: TwinlogEvent {
    public static let eventType = "twin.document.removed"
    public static let schemaName = "DocumentRemoved"
    public static let schemaVersion = 1
    public var eventKey: String { documentId }

    public var documentId: String
    public var authorId: String
    public var reason: String
    public var removedAt: Date

    public init(documentId: String, authorId: String, reason: String, removedAt: Date) {
        self.documentId = documentId
        self.authorId = authorId
        self.reason = reason
        self.removedAt = removedAt
    }
}

/// An erasure request: everything of this author must disappear from every view. Emitted to
/// `twin.documents`, keyed by the author id.
public struct AuthorErased: TwinlogEvent {
    public static let eventType = "twin.author.erased"
    public static let schemaName = "AuthorErased"
    public static let schemaVersion = 1
    public var eventKey: String { authorId }

    public var authorId: String
    public var reason: String
    public var requestedAt: Date

    public init(authorId: String, reason: String, requestedAt: Date) {
        self.authorId = authorId
        self.reason = reason
        self.requestedAt = requestedAt
    }
}
