import Foundation
import Logging
import ServiceLifecycle
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogSink

/// Relays the warehouse's logical replication stream (pgoutput over a publication of the warehouse
/// tables) to `twin.warehouse.changes`: one WarehouseChange per row change, keyed by table +
/// primary key, in commit order.
///
/// A WAL position is confirmed to PostgreSQL only after the broker acknowledged every change up to
/// it, so a crash at any moment replays from the slot's confirmed position: a change may repeat
/// (with the same lsn and sequence), never go missing. On first start the relay creates the slot
/// and publishes a consistent snapshot of the existing rows (op `r`) from the slot's exported
/// snapshot before streaming, as Debezium does.
public final class CDCRelay: Sendable {
    /// What the relay connects to and which slot and publication it uses.
    public struct Configuration: Sendable {
        public var kafka: KafkaConfiguration
        public var database: PostgresConnection.Options
        public var topics: TopicCatalogue
        public var slot = "twinlog_cdc"
        public var publication = "twinlog_warehouse"
        public var tables = ["authors", "documents", "document_versions"]
        /// How often to confirm the position even when the server asks for nothing.
        public var statusInterval: Duration = .seconds(5)
        /// Rows the first snapshot fetches from a table's cursor at a time; memory holds at most
        /// two batches (one being delivered, one being read), whatever the table's size.
        public var snapshotBatchRows = CDCRelay.defaultSnapshotBatchRows
        public var logger = Logger(label: "twinlog.cdc")

        public init(kafka: KafkaConfiguration, database: PostgresConnection.Options, topics: TopicCatalogue) {
            self.kafka = kafka
            self.database = database
            self.topics = topics
        }
    }

    /// The default `snapshotBatchRows`.
    public static let defaultSnapshotBatchRows = 1000

    private let configuration: Configuration
    private let producer: KafkaProducer
    private let progress = Progress()

    public init(_ configuration: Configuration) throws {
        guard configuration.snapshotBatchRows > 0 else {
            throw CDCError(description: "snapshotBatchRows must be at least 1, got \(configuration.snapshotBatchRows)")
        }
        self.configuration = configuration
        producer = try KafkaProducer(configuration: configuration.kafka)
    }

    /// How far the relay is: the last position confirmed to PostgreSQL and the server's end of WAL.
    public var position: (confirmed: LSN, walEnd: LSN) { progress.read() }

    /// Streams until the task is cancelled or a graceful shutdown begins (changes read so far are
    /// acknowledged and confirmed first). Throws on connection loss; the caller restarts it
    /// (`runForever` does, with backoff) and streaming resumes from the slot's confirmed position.
    public func run() async throws {
        let db = try await PostgresConnection.connect(configuration.database)
        let replication: ReplicationConnection
        do { replication = try await ReplicationConnection.connect(configuration.database) } catch {
            await db.close()
            throw error
        }
        // Closed on every way out, so the server releases the slot at once: a slot cannot be
        // dropped, or taken over by a restarted relay, while a connection still streams from it.
        do {
            try await run(db, replication)
        } catch {
            await replication.close()
            await db.close()
            throw error
        }
        await replication.close()
        await db.close()
    }

    private func run(_ db: PostgresConnection, _ replication: ReplicationConnection) async throws {
        try await WarehouseSchema.prepare(db, schema: configuration.database.searchPath)
        let schema = try await db.query("SELECT current_schema() AS s")[0].decode(String.self, "s")
        try await ensurePublication(db, schema: schema)
        let keys = try await primaryKeys(db, schema: schema)

        let slotName = configuration.slot.replacingOccurrences(of: "'", with: "''")
        let existing = try await replication.command("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '\(slotName)'")
        let snapshotDone = try await !db.query("SELECT 1 FROM cdc_snapshots WHERE slot = \(configuration.slot)").isEmpty
        var start: LSN
        if snapshotDone, let row = existing.first, let text = row["confirmed_flush_lsn"] ?? nil, let lsn = LSN(text: text) {
            start = lsn
        } else {
            if !existing.isEmpty {
                // A relay died before its snapshot was complete: start over with a new slot.
                configuration.logger.warning("the slot's initial snapshot never completed; recreating the slot", metadata: ["slot": "\(configuration.slot)"])
                _ = try await replication.command("DROP_REPLICATION_SLOT \(PostgresQuery.quoteIdentifier(configuration.slot)) WAIT")
            }
            try await db.execute("DELETE FROM cdc_snapshots WHERE slot = \(configuration.slot)")
            let created = try await replication.command(
                "CREATE_REPLICATION_SLOT \(PostgresQuery.quoteIdentifier(configuration.slot)) LOGICAL pgoutput EXPORT_SNAPSHOT")
            guard let row = created.first, let point = (row["consistent_point"] ?? nil).flatMap(LSN.init(text:)),
                  let snapshot = row["snapshot_name"] ?? nil else {
                throw CDCError(description: "CREATE_REPLICATION_SLOT returned no consistent point or snapshot")
            }
            try await publishSnapshot(db, snapshot: snapshot, at: point, schema: schema, keys: keys)
            try await db.execute("INSERT INTO cdc_snapshots (slot, consistent_point) VALUES (\(configuration.slot), \(point.description))")
            start = point
        }
        progress.confirm(start)
        try await replication.startReplication(slot: configuration.slot, publication: configuration.publication, from: start)
        configuration.logger.info("streaming changes", metadata: ["slot": "\(configuration.slot)", "from": "\(start)"])
        try await stream(replication, keys: keys)
    }

    /// Runs `run()` again after every failure (PostgreSQL restarts, broker hiccups), with backoff.
    public func runForever() async {
        var delay = Duration.milliseconds(200)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await run()
                return
            } catch is CancellationError {
                return
            } catch {
                configuration.logger.warning("relay stopped, reconnecting in \(delay)", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// Flushes the producer.
    public func shutdown() async { await producer.shutdown() }

    private func stream(_ replication: ReplicationConnection, keys: [String: [String]]) async throws {
        var relations: [UInt32: PgOutputMessage.Relation] = [:]
        var pending: [WarehouseChange] = []
        var transaction: (xid: UInt32, time: Date, finalLSN: LSN)?
        var lastStatus = ContinuousClock.now
        // Transactions handed to the producer, oldest first, with the position each one ends at.
        // Waiting for each transaction's acknowledgements before reading the next one capped the
        // relay at one broker round trip per transaction; pipelining keeps the guarantee, since a
        // position is confirmed only once it and everything before it were acknowledged.
        var inFlight: [(end: LSN, delivery: PendingDelivery)] = []
        func settle(waitForAll: Bool = false) async throws {
            while let first = inFlight.first, waitForAll || first.delivery.isComplete {
                try await first.delivery.delivered()
                progress.confirm(first.end)
                inFlight.removeFirst()
            }
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let frame = try await replication.next(timeout: .milliseconds(200))
            switch frame {
            case .keepalive(let walEnd, let replyRequested)?:
                progress.observe(walEnd)
                try await settle()
                // A keepalive's position is what the server has sent. With no transaction open and
                // every one before acknowledged, nothing up to it is left to deliver: confirming it
                // lets WAL that holds no change (another table's writes, a checkpoint) go, and lets
                // a shutting-down server's walsender finish, which waits for its last position.
                if transaction == nil, inFlight.isEmpty { progress.confirm(walEnd) }
                if replyRequested {
                    try await confirm(replication)
                    lastStatus = .now
                }
            case .xlogData(_, let walEnd, let payload)?:
                progress.observe(walEnd)
                switch try PgOutputMessage.decode(payload) {
                case .begin(let finalLSN, let commitTime, let xid):
                    transaction = (xid, commitTime, finalLSN)
                    pending.removeAll(keepingCapacity: true)
                case .relation(let relation):
                    relations[relation.id] = relation
                case .insert(let id, let new):
                    pending.append(try change(.create, relations[id], keys: keys, old: nil, new: new, transaction, pending.count))
                case .update(let id, let old, let new):
                    pending.append(try change(.update, relations[id], keys: keys, old: old, new: new, transaction, pending.count))
                case .delete(let id, let old):
                    pending.append(try change(.delete, relations[id], keys: keys, old: old, new: nil, transaction, pending.count))
                case .truncate(let ids):
                    for id in ids {
                        guard let relation = relations[id], let transaction else { continue }
                        pending.append(WarehouseChange(op: .truncate, table: relation.name, key: [:], before: nil, after: nil,
                                                       lsn: transaction.finalLSN.signedValue, sequence: pending.count,
                                                       transactionId: Int64(transaction.xid), commitTime: transaction.time))
                    }
                case .commit(_, let endLSN, _):
                    inFlight.append((endLSN, try await enqueue(pending)))
                    pending.removeAll(keepingCapacity: true)
                    transaction = nil
                    try await settle()
                    if ContinuousClock.now - lastStatus > configuration.statusInterval {
                        try await confirm(replication)
                        lastStatus = .now
                    }
                case .ignored:
                    break
                }
            case nil:
                try await settle()
                if ContinuousClock.now - lastStatus > configuration.statusInterval {
                    try await confirm(replication)
                    lastStatus = .now
                }
            }
        }
        try await settle(waitForAll: true)
        try await confirm(replication)
    }

    private func confirm(_ replication: ReplicationConnection) async throws {
        let confirmed = progress.read().confirmed
        try await replication.sendStatus(written: confirmed, flushed: confirmed)
    }

    private func change(_ op: WarehouseChange.Operation, _ relation: PgOutputMessage.Relation?, keys: [String: [String]],
                        old: [PgOutputMessage.Value]?, new: [PgOutputMessage.Value]?,
                        _ transaction: (xid: UInt32, time: Date, finalLSN: LSN)?, _ sequence: Int) throws -> WarehouseChange {
        guard let relation else { throw CDCError(description: "a change arrived for a relation that was never described") }
        guard let transaction else { throw CDCError(description: "a change arrived outside a transaction") }
        func row(_ values: [PgOutputMessage.Value]?) -> [String: String?]? {
            guard let values else { return nil }
            var row: [String: String?] = [:]
            for (column, value) in zip(relation.columns, values) {
                switch value {
                case .null: row[column.name] = .some(nil)
                case .text(let text): row[column.name] = text
                case .unchangedToast: continue
                }
            }
            return row
        }
        let before = row(old)
        let after = row(new)
        let keyColumns = keys[relation.name] ?? relation.columns.filter(\.isKey).map(\.name)
        var key: [String: String] = [:]
        for column in keyColumns {
            if let value = (after?[column] ?? before?[column]) ?? nil { key[column] = value }
        }
        return WarehouseChange(op: op, table: relation.name, key: key, before: before, after: after,
                               lsn: transaction.finalLSN.signedValue, sequence: sequence,
                               transactionId: Int64(transaction.xid), commitTime: transaction.time)
    }

    /// Hands a transaction's changes to the producer, in order, without waiting for acknowledgements.
    private func enqueue(_ changes: [WarehouseChange]) async throws -> PendingDelivery {
        let records = try changes.map {
            // The event id is the change's position, so a replayed change carries the same id.
            try EventCodec.record($0, topic: configuration.topics.warehouseChanges, source: "twinlog/cdc/\(configuration.slot)",
                                  id: "\(LSN(UInt64($0.lsn))):\($0.sequence)", time: $0.commitTime)
        }
        return try await producer.enqueue(records)
    }

    /// Publishes every row of the published tables as read events, inside the slot's snapshot.
    /// Each table is read through a cursor in batches of `snapshotBatchRows`; a batch is handed to
    /// the producer while the next one is fetched, and is acknowledged before a third is read.
    private func publishSnapshot(_ db: PostgresConnection, snapshot: String, at point: LSN, schema: String,
                                 keys: [String: [String]]) async throws {
        try await db.transaction { db in
            try await db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try await db.execute(PostgresQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot.replacingOccurrences(of: "'", with: "''"))'"))
            var sequence = 0
            for table in configuration.tables {
                // The cursor lives in the snapshot's transaction, so every batch sees the same snapshot.
                try await db.execute("DECLARE twinlog_cdc_snapshot NO SCROLL CURSOR FOR SELECT * FROM \(identifier: schema).\(identifier: table)")
                var previous: PendingDelivery?
                while true {
                    let rows = try await db.query(PostgresQuery(unsafeSQL: "FETCH FORWARD \(configuration.snapshotBatchRows) FROM twinlog_cdc_snapshot"))
                    var changes: [WarehouseChange] = []
                    changes.reserveCapacity(rows.count)
                    for row in rows {
                        var after: [String: String?] = [:]
                        for (name, value) in zip(row.columns, row.values) { after[name] = value }
                        var key: [String: String] = [:]
                        for column in keys[table] ?? [] { if let value = after[column] ?? nil { key[column] = value } }
                        changes.append(WarehouseChange(op: .read, table: table, key: key, before: nil, after: after,
                                                       lsn: point.signedValue, sequence: sequence, transactionId: 0, commitTime: Date()))
                        sequence += 1
                    }
                    try await previous?.delivered()
                    previous = changes.isEmpty ? nil : try await enqueue(changes)
                    if rows.count < configuration.snapshotBatchRows { break }
                }
                try await previous?.delivered()
                try await db.execute("CLOSE twinlog_cdc_snapshot")
            }
            configuration.logger.info("published the initial snapshot", metadata: ["rows": "\(sequence)", "at": "\(point)"])
        }
    }

    /// Creates the publication of the warehouse tables, or adds to it the tables it lacks: dropping
    /// the schema to start a namespace over silently takes its tables out of an existing
    /// publication, and the relay would then stream nothing.
    private func ensurePublication(_ db: PostgresConnection, schema: String) async throws {
        let publication = PostgresQuery.quoteIdentifier(configuration.publication)
        let qualified = { (table: String) in PostgresQuery.quoteIdentifier(schema) + "." + PostgresQuery.quoteIdentifier(table) }
        let exists = try await db.query("SELECT 1 FROM pg_publication WHERE pubname = \(configuration.publication)")
        guard !exists.isEmpty else {
            let tables = configuration.tables.map(qualified).joined(separator: ", ")
            try await db.execute(PostgresQuery(unsafeSQL: "CREATE PUBLICATION \(publication) FOR TABLE \(tables)"))
            return
        }
        let published = try await db.query("""
            SELECT tablename FROM pg_publication_tables WHERE pubname = \(configuration.publication) AND schemaname = \(schema)
            """).map { try $0.decode(String.self, "tablename") }
        let missing = configuration.tables.filter { !published.contains($0) }
        guard !missing.isEmpty else { return }
        configuration.logger.warning("the publication lacked tables; adding them", metadata: ["tables": "\(missing)"])
        try await db.execute(PostgresQuery(unsafeSQL: "ALTER PUBLICATION \(publication) ADD TABLE \(missing.map(qualified).joined(separator: ", "))"))
    }

    /// The primary-key columns of each published table (REPLICA IDENTITY FULL marks every column as
    /// identity, so the key must come from the catalog).
    private func primaryKeys(_ db: PostgresConnection, schema: String) async throws -> [String: [String]] {
        var keys: [String: [String]] = [:]
        for table in configuration.tables {
            let rows = try await db.query("""
                SELECT a.attname AS name FROM pg_index i
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                WHERE i.indrelid = (\(PostgresQuery.quoteIdentifier(schema) + "." + PostgresQuery.quoteIdentifier(table)))::regclass AND i.indisprimary
                ORDER BY array_position(i.indkey, a.attnum)
                """)
            keys[table] = try rows.map { try $0.decode(String.self, "name") }
        }
        return keys
    }
}

/// The relay's positions, readable from other tasks (status, metrics).
private final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private var confirmed = LSN.zero
    private var walEnd = LSN.zero

    func confirm(_ lsn: LSN) { lock.withLock { confirmed = max(confirmed, lsn) } }
    func observe(_ lsn: LSN) { lock.withLock { walEnd = max(walEnd, lsn) } }
    func read() -> (confirmed: LSN, walEnd: LSN) { lock.withLock { (confirmed, walEnd) } }
}

/// A replication stream that does not follow the protocol's rules.
struct CDCError: Error, CustomStringConvertible {
    let description: String
}
