/// An error from PostgreSQL or libpq: the SQLSTATE, the server's message and detail, what Twinlog
/// was doing, and where it was raised.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The five-character SQLSTATE (`23505` unique violation, `40001` serialization failure, …);
    /// nil for client-side failures such as a lost connection.
    public let sqlState: String?
    public let message: String
    public let detail: String?
    /// True when the connection itself failed (refused, lost, reset), as opposed to a statement.
    public let isConnectionFailure: Bool
    public let file: String
    public let line: Int

    public var description: String {
        var text = "PostgreSQL error"
        if let sqlState { text += " \(sqlState)" }
        text += ": \(message)"
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        return text
    }

    init(sqlState: String? = nil, message: String, detail: String? = nil, isConnectionFailure: Bool = false,
         file: String = #fileID, line: Int = #line) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.isConnectionFailure = isConnectionFailure
        self.file = file
        self.line = line
    }

    public static let uniqueViolation = "23505"
    public static let serializationFailure = "40001"
    public static let undefinedTable = "42P01"

    /// Whether running the same transaction again may succeed.
    public var isRetriable: Bool {
        isConnectionFailure || sqlState == Self.serializationFailure || sqlState == "40P01"
    }
}
