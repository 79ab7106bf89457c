import CLibPQ
import Foundation
import TwinlogRuntime

/// A frame of the streaming replication protocol, as the server sends it inside COPY BOTH.
public enum ReplicationFrame: Sendable, Equatable {
    /// WAL data: where it starts, the server's current end of WAL, and the pgoutput message.
    case xlogData(start: LSN, walEnd: LSN, payload: [UInt8])
    /// A keepalive; when `replyRequested`, the client must answer with a status update at once.
    case keepalive(walEnd: LSN, replyRequested: Bool)
}

/// A libpq connection in logical replication mode (`replication=database`): creates slots (with an
/// exported snapshot), streams a slot's changes, and confirms positions with standby status updates.
///
/// Every libpq call runs on the connection's own executor. Waiting for data polls the socket with a
/// timeout, so a stream can be stopped and keepalives answered without blocking forever.
public final class ReplicationConnection: Sendable {
    private let executor = BlockingExecutor(label: "twinlog.postgres.replication")
    private let handle: ReplicationHandle

    private init(handle: ReplicationHandle) { self.handle = handle }

    /// Opens a replication connection to the database named in `options.url`.
    public static func connect(_ options: PostgresConnection.Options) async throws -> ReplicationConnection {
        let executor = BlockingExecutor(label: "twinlog.postgres.replication.connect")
        let handle = try await executor.run { ReplicationHandle(try openLibPQ(options, replication: true)) }
        return ReplicationConnection(handle: handle)
    }

    deinit {
        let handle = self.handle
        executor.submit { handle.finish() }
    }

    /// Ends the connection now, so the server releases the slot at once (a slot cannot be dropped
    /// while a connection streams from it); later calls fail.
    public func close() async {
        let handle = self.handle
        await executor.run { handle.finish() }
    }

    /// Runs a replication command or SQL (simple protocol) and returns its rows as text.
    public func command(_ sql: String) async throws -> [[String: String?]] {
        let handle = self.handle
        try requireNoNUL(sql, "the replication command")
        return try await executor.run {
            let pointer = try handle.live()
            guard let result = PQexec(pointer, sql) else { throw handle.failure(sql) }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY: return []
            case PGRES_TUPLES_OK:
                let names = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
                return (0..<PQntuples(result)).map { row in
                    var values: [String: String?] = [:]
                    for (column, name) in names.enumerated() {
                        values[name] = PQgetisnull(result, row, Int32(column)) == 1 ? nil : String(cString: PQgetvalue(result, row, Int32(column)))
                    }
                    return values
                }
            default:
                throw PostgresError(sqlState: PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) },
                                    message: "\(String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)) — in: \(sql)",
                                    isConnectionFailure: PQstatus(pointer) != CONNECTION_OK)
            }
        }
    }

    /// Enters COPY BOTH: the server streams the slot's changes from `position` (the slot's
    /// confirmed position when that is later).
    public func startReplication(slot: String, publication: String, from position: LSN) async throws {
        let handle = self.handle
        let sql = "START_REPLICATION SLOT \(PostgresQuery.quoteIdentifier(slot)) LOGICAL \(position) (proto_version '1', publication_names '\(publication.replacingOccurrences(of: "'", with: "''"))')"
        try requireNoNUL(sql, "the slot or publication name")
        try await executor.run {
            let pointer = try handle.live()
            guard let result = PQexec(pointer, sql) else { throw handle.failure(sql) }
            defer { PQclear(result) }
            guard PQresultStatus(result) == PGRES_COPY_BOTH else {
                throw PostgresError(message: "\(String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)) — in: \(sql)")
            }
        }
    }

    /// The next frame, or nil when none arrived within `timeout`.
    public func next(timeout: Duration) async throws -> ReplicationFrame? {
        let handle = self.handle
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return try await executor.run {
            let pointer = try handle.live()
            var waited = false
            while true {
                var buffer: UnsafeMutablePointer<CChar>?
                let length = PQgetCopyData(pointer, &buffer, 1)
                if length > 0, let buffer {
                    defer { PQfreemem(buffer) }
                    return try Self.frame(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                }
                if length == -1 { throw PostgresError(message: "the server ended the replication stream", isConnectionFailure: true) }
                if length == -2 { throw handle.failure("reading the replication stream") }
                if waited { return nil }
                var descriptor = pollfd(fd: PQsocket(pointer), events: Int16(POLLIN), revents: 0)
                _ = poll(&descriptor, 1, milliseconds)
                guard PQconsumeInput(pointer) == 1 else { throw handle.failure("reading the replication stream") }
                waited = true
            }
        }
    }

    /// Tells the server everything up to `flushed` is durably processed: the slot may advance
    /// and WAL before it may be recycled.
    public func sendStatus(written: LSN, flushed: LSN, replyRequested: Bool = false) async throws {
        let handle = self.handle
        var message: [UInt8] = [UInt8(ascii: "r")]
        let now = UInt64(max(0, Date().timeIntervalSince(PgOutputMessage.postgresEpoch) * 1_000_000))
        for value in [written.value, flushed.value, flushed.value, now] {
            withUnsafeBytes(of: value.bigEndian) { message.append(contentsOf: $0) }
        }
        message.append(replyRequested ? 1 : 0)
        let payload = message
        try await executor.run {
            let pointer = try handle.live()
            let sent = payload.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(pointer, $0.baseAddress, Int32($0.count)) }
            }
            guard sent == 1, PQflush(pointer) == 0 else { throw handle.failure("sending a standby status update") }
        }
    }

    private static func frame(_ bytes: UnsafeRawBufferPointer) throws -> ReplicationFrame {
        var reader = ByteReader(Array(bytes))
        switch try reader.uint8() {
        case UInt8(ascii: "w"):
            let start = LSN(try reader.uint64())
            let end = LSN(try reader.uint64())
            _ = try reader.uint64()
            return .xlogData(start: start, walEnd: end, payload: Array(bytes[reader.offset...]))
        case UInt8(ascii: "k"):
            let end = LSN(try reader.uint64())
            _ = try reader.uint64()
            return .keepalive(walEnd: end, replyRequested: try reader.uint8() == 1)
        case let other:
            throw PgOutputMessage.DecodingError(description: "unknown replication frame type \(other)")
        }
    }
}

/// The libpq connection of a replication stream; touched only from its executor.
private final class ReplicationHandle: @unchecked Sendable {
    private var pointer: OpaquePointer?
    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    /// The open connection, or an error once it was closed.
    func live() throws(PostgresError) -> OpaquePointer {
        guard let pointer else { throw PostgresError(message: "the replication connection is closed", isConnectionFailure: true) }
        return pointer
    }

    func finish() {
        if let pointer { PQfinish(pointer) }
        pointer = nil
    }

    func failure(_ what: String) -> PostgresError {
        guard let pointer else { return PostgresError(message: "\(what): the replication connection is closed", isConnectionFailure: true) }
        return PostgresError(message: "\(what): \(String(cString: PQerrorMessage(pointer)).trimmingCharacters(in: .whitespacesAndNewlines))",
                             isConnectionFailure: PQstatus(pointer) != CONNECTION_OK)
    }
}
