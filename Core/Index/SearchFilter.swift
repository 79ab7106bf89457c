import Foundation

/// A conjunction of equality / IN conditions on the filterable payload fields and a time range on
/// the document date. A field left `nil` is unconstrained; a field given a set matches a point
/// whose value is any member of the set (one member is plain equality, an empty set matches
/// nothing); a time range matches a point whose document date lies in it.
public struct SearchFilter: Sendable, Hashable {
    public var authorIds: Set<String>?
    public var platforms: Set<String>?
    public var kinds: Set<String>?
    public var documentIds: Set<String>?
    /// Sources (`ChunkPayload.source`: a repository, a site).
    public var sources: Set<String>?
    /// Document dates from `lowerBound` (inclusive) to `upperBound` (exclusive); a point without a
    /// document date never matches a time range.
    public var dates: Range<Date>?

    /// The filter that lets every point through.
    public static let none = SearchFilter()

    public init(
        authorIds: Set<String>? = nil, platforms: Set<String>? = nil,
        kinds: Set<String>? = nil, documentIds: Set<String>? = nil, dates: Range<Date>? = nil, sources: Set<String>? = nil
    ) {
        self.authorIds = authorIds
        self.platforms = platforms
        self.kinds = kinds
        self.documentIds = documentIds
        self.dates = dates
        self.sources = sources
    }

    /// Whether the filter constrains nothing.
    public var isEmpty: Bool {
        authorIds == nil && platforms == nil && kinds == nil && documentIds == nil && sources == nil && dates == nil
    }

    /// The value sets in the order of `PayloadField.allCases`.
    var constraints: [(PayloadField, Set<String>)] {
        var result: [(PayloadField, Set<String>)] = []
        if let authorIds { result.append((.author, authorIds)) }
        if let platforms { result.append((.platform, platforms)) }
        if let kinds { result.append((.kind, kinds)) }
        if let documentIds { result.append((.document, documentIds)) }
        if let sources { result.append((.source, sources)) }
        return result
    }

    /// Whether a payload passes the filter; the reference semantics that the compiled form follows.
    public func matches(_ payload: ChunkPayload) -> Bool {
        (authorIds?.contains(payload.authorId) ?? true)
            && (platforms?.contains(payload.platform) ?? true)
            && (kinds?.contains(payload.kind) ?? true)
            && (documentIds?.contains(payload.documentId) ?? true)
            && (sources?.contains(payload.source) ?? true)
            && (dates.map { range in payload.documentDate.map(range.contains) ?? false } ?? true)
    }
}

/// The payload fields a filter can test; their raw values index the per-slot code table.
enum PayloadField: Int, CaseIterable {
    case author = 0, platform, kind, document, source

    func value(of payload: ChunkPayload) -> String {
        switch self {
        case .author: payload.authorId
        case .platform: payload.platform
        case .kind: payload.kind
        case .document: payload.documentId
        case .source: payload.source
        }
    }
}
