import Foundation
import TwinlogText

/// A question for the twin, published to `twin.queries` with `correlation-id` and `reply-to`
/// headers; keyed by the correlation id. The answer (or an error) goes to `reply-to`.
public struct QueryRequested: TwinlogEvent {
    public static let eventType = "twin.query.requested"
    public static let schemaName = "QueryRequested"
    public static let schemaVersion = 1
    public var eventKey: String { queryId }

    public var queryId: String
    public var question: String
    public var authorId: String?
    public var platform: Platform?
    public var kind: DocumentKind?
    /// Only documents dated at or after this instant (published, else captured).
    public var since: Date?
    /// Only documents dated before this instant.
    public var until: Date?
    public var k: Int
    public var maxTokens: Int
    /// Only retrieve sources, generate no answer.
    public var retrievalOnly: Bool
    /// After this instant the asker has given up; the consumer replies with an error instead of working.
    public var deadline: Date
    /// How to decode the answer, field by field over the consumer's defaults (absent: the defaults).
    public var decoding: Decoding?
    /// Whether the answer is sent as it is generated, as QueryAnswerPartial events before the final
    /// QueryAnswered (absent: no).
    public var stream: Bool?

    /// Decoding overrides; every field is optional and range-checked by the schema.
    public struct Decoding: Codable, Sendable, Equatable {
        public var temperature: Double?
        public var topP: Double?
        public var minP: Double?
        public var repetitionPenalty: Double?
        public var frequencyPenalty: Double?
        public var presencePenalty: Double?
        public var penaltyWindow: Int?
        public var noRepeatNgram: Int?
        public var stopRepeatedSentence: Bool?
        public var seed: UInt64?

        public init(temperature: Double? = nil, topP: Double? = nil, minP: Double? = nil, repetitionPenalty: Double? = nil,
                    frequencyPenalty: Double? = nil, presencePenalty: Double? = nil, penaltyWindow: Int? = nil,
                    noRepeatNgram: Int? = nil, stopRepeatedSentence: Bool? = nil, seed: UInt64? = nil) {
            self.temperature = temperature
            self.topP = topP
            self.minP = minP
            self.repetitionPenalty = repetitionPenalty
            self.frequencyPenalty = frequencyPenalty
            self.presencePenalty = presencePenalty
            self.penaltyWindow = penaltyWindow
            self.noRepeatNgram = noRepeatNgram
            self.stopRepeatedSentence = stopRepeatedSentence
            self.seed = seed
        }
    }

    public init(queryId: String, question: String, authorId: String? = nil, platform: Platform? = nil, kind: DocumentKind? = nil,
                since: Date? = nil, until: Date? = nil, k: Int = 5, maxTokens: Int = 128, retrievalOnly: Bool = false, deadline: Date,
                decoding: Decoding? = nil, stream: Bool? = nil) {
        self.queryId = queryId
        self.question = question
        self.authorId = authorId
        self.platform = platform
        self.kind = kind
        self.since = since
        self.until = until
        self.k = k
        self.maxTokens = maxTokens
        self.retrievalOnly = retrievalOnly
        self.deadline = deadline
        self.decoding = decoding
        self.stream = stream
    }

    /// The explicit time range, when `since` or `until` is set; throws when it is empty.
    public func dates() throws(EventError) -> Range<Date>? { try Self.dates(since: since, until: until) }

    /// The time range from `since` (inclusive) to `until` (exclusive), either open when absent; nil
    /// when both are; throws when it is empty.
    public static func dates(since: Date?, until: Date?) throws(EventError) -> Range<Date>? {
        guard since != nil || until != nil else { return nil }
        let lower = since ?? .distantPast, upper = until ?? .distantFuture
        guard lower < upper else {
            throw EventError("since \(EventTime.format(lower)) is not before until \(EventTime.format(upper))")
        }
        return lower..<upper
    }
}

/// A piece of an answer as it is generated, for a query that asked to stream: sent on the query's
/// `reply-to` topic with its `correlation-id` and keyed like the reply, so the pieces arrive in
/// order before the final QueryAnswered. The pieces' texts in `sequence` order make the generated
/// text; the final reply is authoritative — its answer may differ (citations to no source removed,
/// the quotes in place of an unsupported answer). An abstention comes without pieces.
public struct QueryAnswerPartial: TwinlogEvent {
    public static let eventType = "twin.query.answer_partial"
    public static let schemaName = "QueryAnswerPartial"
    public static let schemaVersion = 1
    public var eventKey: String { queryId }

    public var queryId: String
    /// 0 for the first piece of a query, then 1, 2, …
    public var sequence: Int
    /// The text generated since the previous piece.
    public var text: String

    public init(queryId: String, sequence: Int, text: String) {
        self.queryId = queryId
        self.sequence = sequence
        self.text = text
    }
}

/// The reply to a QueryRequested: an answer with its sources, or an error. Never silence.
public struct QueryAnswered: TwinlogEvent {
    public static let eventType = "twin.query.answered"
    public static let schemaName = "QueryAnswered"
    public static let schemaVersion = 1
    public var eventKey: String { queryId }

    /// Whether the query was answered.
    public enum Status: String, Codable, Sendable {
        case ok
        case deadlineExceeded = "deadline_exceeded"
        case invalidRequest = "invalid_request"
        case overloaded
        case failed
    }

    /// A retrieved chunk the answer rests on.
    public struct Source: Codable, Sendable, Equatable {
        public var chunkId: String
        public var documentId: String
        public var title: String
        public var url: String
        public var score: Double
        /// The repository (`owner/name`) or site the chunk comes from.
        public var source: String?
        /// The chunk's heading or definition trail in its document.
        public var section: String?
        public init(chunkId: String, documentId: String, title: String, url: String, score: Double, source: String? = nil,
                    section: String? = nil) {
            self.chunkId = chunkId
            self.documentId = documentId
            self.title = title
            self.url = url
            self.score = score
            self.source = source
            self.section = section
        }
    }

    /// What retrieval applied, so an asker can see why a source was or was not found.
    public struct RetrievalReport: Codable, Sendable, Equatable {
        /// Conditions searched with, by field (`author`, `platform`, `kind`, `source`, `since`,
        /// `until`; dates in RFC 3339).
        public var filters: [String: [String]]
        /// The fields of `filters` read from the question rather than given by the asker.
        public var readFromQuestion: [String]
        /// Sources the question named, whose chunks were ranked up.
        public var boostedSources: [String]

        public init(filters: [String: [String]], readFromQuestion: [String], boostedSources: [String]) {
            self.filters = filters
            self.readFromQuestion = readFromQuestion
            self.boostedSources = boostedSources
        }
    }

    /// A line or sentence of a source, quoted verbatim, that supports the answer.
    public struct Evidence: Codable, Sendable, Equatable {
        /// The source's number in `sources`, from 1.
        public var source: Int
        /// A verbatim substring of that source's chunk.
        public var text: String
        /// How well the quote answers the question, 0–1 (absent in events written before it existed).
        public var score: Double?

        public init(source: Int, text: String, score: Double? = nil) {
            self.source = source
            self.text = text
            self.score = score
        }
    }

    public var queryId: String
    public var status: Status
    public var answer: String?
    public var error: String?
    public var sources: [Source]
    public var modelVersion: String?
    /// Milliseconds per stage (`retrieve`, `rerank`, `generate`, `ground`, `total`, …); `first_token` is from
    /// the request's arrival to the first generated token.
    public var timings: [String: Double]
    /// Guardrail findings (`prompt_injection`, `source_prompt_injection`), retrieval notes
    /// (`self_query_filter_relaxed`), and `unsupported` when the sources do not answer the question.
    public var flags: [String]
    /// What retrieval applied (absent in error replies and in events written before it existed).
    public var retrieval: RetrievalReport?
    /// The quotes of the sources that best support the answer (absent when there are none).
    public var evidence: [Evidence]?

    public init(queryId: String, status: Status, answer: String? = nil, error: String? = nil, sources: [Source] = [],
                modelVersion: String? = nil, timings: [String: Double] = [:], flags: [String] = [],
                retrieval: RetrievalReport? = nil, evidence: [Evidence]? = nil) {
        self.queryId = queryId
        self.status = status
        self.answer = answer
        self.error = error
        self.sources = sources
        self.modelVersion = modelVersion
        self.timings = timings
        self.flags = flags
        self.retrieval = retrieval
        self.evidence = evidence
    }
}
