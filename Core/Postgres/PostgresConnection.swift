import CLibPQ
import Foundation
import Logging
import TwinlogRuntime

/// One PostgreSQL connection over libpq: parameterized queries, transactions, COPY, and
/// reconnection with backoff.
///
/// Every libpq call runs on the connection's own serial executor, never on Swift's cooperative
/// pool. A connection serves one logical user at a time (a consumer, a command): statements from
/// concurrent tasks are serialized, but a transaction must not be shared; open one connection per
/// concurrent worker.
///
/// Reconnection: when the server went away between statements (restart, failover), the next
/// statement outside a transaction reconnects with exponential backoff and runs. A statement
/// inside a transaction fails instead, because the transaction is gone with the connection.
public final class PostgresConnection: Sendable {
    /// Where and how to connect.
    public struct Options: Sendable {
        /// A libpq URI (`postgresql://user:password@host:port/db?sslmode=require`) or keyword string.
        public var url: String
        /// The schema unqualified names resolve to (a test's or a replay's own schema).
        public var searchPath: String?
        public var applicationName: String = "twinlog"
        public var connectTimeout: Duration = .seconds(5)
        /// How long to keep trying to reconnect before a statement fails.
        public var reconnectFor: Duration = .seconds(30)
        public var logger = Logger(label: "twinlog.postgres")

        public init(url: String, searchPath: String? = nil) {
            self.url = url
            self.searchPath = searchPath
        }
    }

    private let executor = BlockingExecutor(label: "twinlog.postgres")
    private let session: Session
    public let options: Options

    private init(options: Options, session: Session) {
        self.options = options
        self.session = session
    }

    /// Connects, failing within the connect timeout with an error that names the server tried.
    public static func connect(_ options: Options) async throws -> PostgresConnection {
        let executor = BlockingExecutor(label: "twinlog.postgres.connect")
        let session = try await executor.run { try Session(options: options) }
        return PostgresConnection(options: options, session: session)
    }

    deinit {
        let session = self.session
        executor.submit { session.close() }
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let session = self.session
        return try await executor.run { try session.run(query).rows }
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        let session = self.session
        return try await executor.run { try session.run(query).affected }
    }

    /// Runs a script of several statements without parameters (migrations); in one implicit
    /// transaction unless the script manages its own.
    public func executeScript(_ sql: String) async throws {
        let session = self.session
        try await executor.run { try session.runScript(sql) }
    }

    /// Runs `body` inside BEGIN … COMMIT; any error rolls back and is rethrown. Not nestable.
    public func transaction<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let session = self.session
        try await executor.run { try session.begin() }
        do {
            let result = try await body(self)
            try await executor.run { try session.finish(commit: true) }
            return result
        } catch {
            try? await executor.run { try session.finish(commit: false) }
            throw error
        }
    }

    /// Bulk-loads rows with `COPY table (columns) FROM STDIN` (text format).
    public func copy(into table: String, columns: [String], rows: [[any PostgresBindable]]) async throws {
        let statement = "COPY \(PostgresQuery.quoteIdentifier(table)) (\(columns.map(PostgresQuery.quoteIdentifier).joined(separator: ", "))) FROM STDIN"
        var data = ""
        for (index, row) in rows.enumerated() {
            guard row.count == columns.count else {
                throw PostgresError(message: "COPY into \(table): a row has \(row.count) values for \(columns.count) columns")
            }
            let texts = row.map(\.postgresText)
            for (column, text) in zip(columns, texts) {
                if let text { try requireNoNUL(text, "COPY into \(table): column \(column) of row \(index + 1)") }
            }
            data += texts.map { $0.map(Self.escapeCopyText) ?? "\\N" }.joined(separator: "\t")
            data += "\n"
        }
        let session = self.session
        let payload = data
        try await executor.run { try session.copyIn(statement, payload) }
    }

    /// Closes the connection; later statements fail.
    public func close() async {
        let session = self.session
        await executor.run { session.close() }
    }

    /// `url` without its credentials, for messages and status output: the password of a URI's
    /// user info, every query parameter with a secret-looking name (`?password=…`,
    /// `&sslpassword=…`, percent-encoded names too), and the same keywords of a `key=value`
    /// connection string (`password='…'`). See `SecretNames`.
    public static func redacted(_ url: String) -> String {
        guard url.contains("://") else { return redactedKeywords(url) }
        var text = url.replacingOccurrences(of: #"(://[^:/@]+):[^@]*@"#, with: "$1:***@", options: .regularExpression)
        guard let query = text.firstIndex(of: "?") else { return text }
        let end = text[query...].firstIndex(of: "#") ?? text.endIndex
        let parameters = text[text.index(after: query)..<end].split(separator: "&", omittingEmptySubsequences: false).map { parameter in
            guard let equals = parameter.firstIndex(of: "=") else { return String(parameter) }
            let name = parameter[..<equals]
            return SecretNames.isSecret(name.removingPercentEncoding ?? String(name)) ? name + "=***" : String(parameter)
        }
        text.replaceSubrange(text.index(after: query)..<end, with: parameters.joined(separator: "&"))
        return text
    }

    /// A libpq `key=value` connection string with the values of secret-looking keys masked;
    /// values may be single-quoted with backslash escapes.
    private static func redactedKeywords(_ conninfo: String) -> String {
        let pattern = #"([A-Za-z_]+)(\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s]*)"#
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return conninfo }
        var text = conninfo
        let whole = NSRange(text.startIndex..., in: text)
        for match in expression.matches(in: conninfo, range: whole).reversed() {
            guard let name = Range(match.range(at: 1), in: conninfo), SecretNames.isSecret(String(conninfo[name])),
                  let value = Range(match.range(at: 3), in: text) else { continue }
            text.replaceSubrange(value, with: "***")
        }
        return text
    }

    /// Escapes a value for COPY's text format.
    static func escapeCopyText(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// The libpq connection and its state; touched only from the owning connection's executor.
private final class Session: @unchecked Sendable {
    private var connection: OpaquePointer?
    private var inTransaction = false
    private let options: PostgresConnection.Options

    init(options: PostgresConnection.Options) throws {
        self.options = options
        connection = try openLibPQ(options, replication: false)
    }


    func close() {
        if let connection { PQfinish(connection) }
        connection = nil
    }

    /// A live connection: reconnects with backoff when the previous one broke (outside transactions).
    private func live() throws -> OpaquePointer {
        if let connection, PQstatus(connection) == CONNECTION_OK { return connection }
        if inTransaction {
            throw PostgresError(message: "the connection was lost inside a transaction", isConnectionFailure: true)
        }
        close()
        let deadline = ContinuousClock.now + options.reconnectFor
        var delay = Duration.milliseconds(100)
        while true {
            do {
                let fresh = try openLibPQ(options, replication: false)
                connection = fresh
                options.logger.info("reconnected to PostgreSQL")
                return fresh
            } catch let error as PostgresError {
                guard ContinuousClock.now + delay < deadline else { throw error }
                options.logger.warning("PostgreSQL unavailable, retrying in \(delay)", metadata: ["error": "\(error.message)"])
                Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    /// Runs a parameterized statement; retries once on a fresh connection when the old one was
    /// found dead and no transaction was open.
    func run(_ query: PostgresQuery) throws -> (rows: [PostgresRow], affected: Int) {
        do {
            return try runOnce(query)
        } catch let error as PostgresError where error.isConnectionFailure && !inTransaction {
            options.logger.warning("connection lost, reconnecting", metadata: ["error": "\(error.message)"])
            close()
            return try runOnce(query)
        }
    }

    private func runOnce(_ query: PostgresQuery) throws -> (rows: [PostgresRow], affected: Int) {
        try requireNoNUL(query.sql, "the statement text")
        let connection = try live()
        let result = try withOptionalCStrings(query.parameters, naming: { "bind parameter $\($0 + 1) (in: \(query.sql.prefix(200)))" }) { values in
            PQexecParams(connection, query.sql, Int32(query.parameters.count), nil, values, nil, nil, 0)
        }
        return try consume(result, connection: connection, statement: query.sql)
    }

    func runScript(_ sql: String) throws {
        try requireNoNUL(sql, "the script text")
        let connection = try live()
        _ = try consume(PQexec(connection, sql), connection: connection, statement: sql)
    }

    func begin() throws {
        guard !inTransaction else { throw PostgresError(message: "a transaction is already open on this connection") }
        _ = try run("BEGIN")
        inTransaction = true
    }

    func finish(commit: Bool) throws {
        defer { inTransaction = false }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            throw PostgresError(message: "the connection was lost inside a transaction", isConnectionFailure: true)
        }
        _ = try consume(PQexec(connection, commit ? "COMMIT" : "ROLLBACK"), connection: connection,
                        statement: commit ? "COMMIT" : "ROLLBACK")
    }

    func copyIn(_ statement: String, _ data: String) throws {
        try requireNoNUL(statement, "the COPY statement")
        let connection = try live()
        guard let start = PQexec(connection, statement) else { throw lost(connection) }
        defer { PQclear(start) }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try consume(start, connection: connection, statement: statement, clear: false)
            throw PostgresError(message: "\(statement) did not start a COPY")
        }
        let sent = data.utf8CString.withUnsafeBufferPointer { buffer in
            PQputCopyData(connection, buffer.baseAddress, Int32(buffer.count - 1))
        }
        guard sent == 1, PQputCopyEnd(connection, nil) == 1 else { throw lost(connection) }
        while let result = PQgetResult(connection) {
            _ = try consume(result, connection: connection, statement: statement)
        }
    }

    private func lost(_ connection: OpaquePointer) -> PostgresError {
        PostgresError(message: String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines),
                      isConnectionFailure: PQstatus(connection) != CONNECTION_OK)
    }

    /// Reads a result into rows, or throws the server's error; frees the result.
    private func consume(_ result: OpaquePointer?, connection: OpaquePointer, statement: String,
                         clear: Bool = true) throws -> (rows: [PostgresRow], affected: Int) {
        guard let result else { throw lost(connection) }
        defer { if clear { PQclear(result) } }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return ([], Int(String(cString: PQcmdTuples(result))) ?? 0)
        case PGRES_TUPLES_OK:
            let columnCount = PQnfields(result)
            let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
            let rows = (0..<PQntuples(result)).map { row in
                PostgresRow(columns: columns, values: (0..<columnCount).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                })
            }
            return (rows, rows.count)
        default:
            func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
            let sqlState = field(Int32(UInt8(ascii: "C")))
            let message = field(Int32(UInt8(ascii: "M"))) ?? String(cString: PQresultErrorMessage(result))
            let broken = PQstatus(connection) != CONNECTION_OK
            throw PostgresError(sqlState: sqlState, message: "\(message.trimmingCharacters(in: .whitespacesAndNewlines)) — in: \(statement.prefix(200))",
                                detail: field(Int32(UInt8(ascii: "D"))), isConnectionFailure: broken)
        }
    }
}

/// Refuses text holding a NUL byte before it becomes a C string: libpq would silently cut it
/// there (PostgreSQL text cannot hold one either). `what` names the value in the error.
func requireNoNUL(_ text: String, _ what: @autoclosure () -> String) throws(PostgresError) {
    guard !text.utf8.contains(0) else {
        throw PostgresError(message: "\(what()) contains a NUL byte, which PostgreSQL cannot take")
    }
}

/// Calls `body` with a NULL-terminated C array of C strings for `strings`.
private func withCStrings<R>(_ strings: [String], naming: (Int) -> String,
                             _ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws(PostgresError) -> R) throws(PostgresError) -> R {
    try withOptionalCStrings(strings + [nil], naming: naming, body)
}

/// Calls `body` with a C array of optional C strings (nil stays a null pointer); a string holding
/// a NUL byte is refused, named by `naming(index)`, instead of being cut short.
private func withOptionalCStrings<R>(_ strings: [String?], naming: (Int) -> String,
                                     _ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws(PostgresError) -> R) throws(PostgresError) -> R {
    var copies: [UnsafeMutablePointer<CChar>?] = []
    copies.reserveCapacity(strings.count)
    defer { copies.forEach { free($0) } }
    for (index, string) in strings.enumerated() {
        guard let string else {
            copies.append(nil)
            continue
        }
        try requireNoNUL(string, naming(index))
        guard let copy = strdup(string) else { throw PostgresError(message: "out of memory copying \(naming(index))") }
        copies.append(copy)
    }
    let pointers = copies.map { UnsafePointer($0) }
    return try pointers.withUnsafeBufferPointer { buffer throws(PostgresError) in try body(buffer.baseAddress) }
}

/// Opens a libpq connection for `options` (UTC, ISO dates, the search path); with `replication`, a
/// logical replication connection (`replication=database`). Fails naming the server tried.
func openLibPQ(_ options: PostgresConnection.Options, replication: Bool) throws -> OpaquePointer {
    var keywords = ["dbname", "application_name", "connect_timeout"]
    let timeout = max(1, options.connectTimeout.components.seconds)
    var values = [options.url, options.applicationName + (replication ? "-cdc" : ""), String(timeout)]
    if replication {
        keywords.append("replication")
        values.append("database")
    }
    var serverOptions = "-c TimeZone=UTC -c DateStyle=ISO -c client_min_messages=warning"
    if let searchPath = options.searchPath {
        // libpq's options string splits on spaces and treats backslash as escape.
        serverOptions += " -c search_path=" + searchPath.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: " ", with: "\\ ")
    }
    keywords.append("options")
    values.append(serverOptions)
    let names = ["dbname": "the database URL", "application_name": "the application name", "options": "the search path"]
    let connection: OpaquePointer? = try withCStrings(keywords, naming: { "connection keyword \(keywords[$0])" }) { k throws(PostgresError) in
        try withCStrings(values, naming: { names[keywords[$0]] ?? "connection setting \(keywords[$0])" }) { v in PQconnectdbParams(k, v, 1) }
    }
    guard let connection, PQstatus(connection) == CONNECTION_OK else {
        let message = connection.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
        if let connection { PQfinish(connection) }
        throw PostgresError(message: "cannot \(replication ? "open a replication connection" : "connect") to PostgreSQL at \(PostgresConnection.redacted(options.url)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))",
                            isConnectionFailure: true)
    }
    PQsetNoticeProcessor(connection, { _, _ in }, nil)
    return connection
}
