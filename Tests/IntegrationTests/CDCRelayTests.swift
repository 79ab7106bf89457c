import CDCConsumer
import Foundation
import Testing
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogSink
import TwinlogTestSupport

@Suite("CDC relay: logical replication to the change topic")
struct CDCRelayTests {
    /// A warehouse schema, a slot and a publication of one test's own.
    struct Fixture {
        let name: String
        let topics: TopicCatalogue
        let db: PostgresConnection
        var configuration: CDCRelay.Configuration

        init(_ label: String, databaseURL: String = LocalServices.databaseURL) async throws {
            name = uniqueName(label)
            topics = TopicCatalogue(prefix: name + ".", partitions: 2)
            try await LocalServices.createTopics(topics.specs)
            db = try await LocalServices.database(schema: name, url: databaseURL)
            try await WarehouseSchema.prepare(db, schema: name)
            configuration = CDCRelay.Configuration(kafka: LocalServices.kafka,
                                                   database: .init(url: databaseURL, searchPath: name), topics: topics)
            configuration.slot = name + "_slot"
            configuration.publication = name + "_pub"
            configuration.statusInterval = .milliseconds(200)
        }

        func insertDocument(_ id: String, title: String) async throws {
            try await db.execute("INSERT INTO authors (author_id, name) VALUES ('ada', 'Ada') ON CONFLICT DO NOTHING")
            try await db.execute("""
                INSERT INTO documents (document_id, author_id, platform, kind, source_url, title, content, content_hash, version, captured_at)
                VALUES (\(id), 'ada', 'article', 'article', 'https://x', \(title), 'text', 'hash', 1, now())
                """)
        }

        func reader() throws -> KafkaConsumer {
            try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: name + ".reader"),
                              topics: [topics.warehouseChanges])
        }

        /// Reads changes until `done` holds for everything read so far (or a minute passed).
        func read(_ reader: KafkaConsumer, into changes: inout [WarehouseChange], until done: ([WarehouseChange]) -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while !done(changes), ContinuousClock.now < deadline {
                for record in try await reader.poll(maxRecords: 100, timeout: .milliseconds(100)) {
                    changes.append(try EventCodec.decode(record, as: WarehouseChange.self).event)
                }
            }
        }

        /// Drops the slot once the relay's connection let go of it.
        func dropSlot() async throws {
            _ = await eventually(timeout: .seconds(20)) {
                do {
                    try await db.execute("SELECT pg_drop_replication_slot(\(configuration.slot))")
                    return true
                } catch { return false }
            }
            try await db.execute(PostgresQuery(unsafeSQL: "DROP PUBLICATION IF EXISTS \(PostgresQuery.quoteIdentifier(configuration.publication))"))
        }
    }

    @Test("existing rows arrive as a snapshot; inserts, updates and deletes follow in commit order per key")
    func snapshotThenStream() async throws {
        let fixture = try await Fixture("cdc")
        try await fixture.insertDocument("doc-before", title: "before the relay")
        let relay = try CDCRelay(fixture.configuration)
        let running = Task { try await relay.run() }
        // Changes made before the slot exists belong to the snapshot, not the stream.
        _ = await eventually { relay.position.confirmed > .zero }

        try await fixture.insertDocument("doc-1", title: "first")
        try await fixture.db.execute("UPDATE documents SET title = 'second' WHERE document_id = 'doc-1'")
        try await fixture.db.execute("DELETE FROM documents WHERE document_id = 'doc-1'")
        // snapshot: 1 author + 1 document; stream: insert doc-1, its update and its delete
        let reader = try fixture.reader()
        var changes: [WarehouseChange] = []
        try await fixture.read(reader, into: &changes) { $0.count >= 5 }
        await reader.close()
        running.cancel()
        _ = await running.result
        await relay.shutdown()

        let snapshot = changes.filter { $0.op == .read }
        #expect(Set(snapshot.map(\.table)) == ["authors", "documents"])
        #expect(snapshot.first { $0.table == "documents" }?.after?["title"] == "before the relay")

        let doc1 = changes.filter { $0.table == "documents" && $0.key == ["document_id": "doc-1"] }
        #expect(doc1.map(\.op) == [.create, .update, .delete])
        #expect(doc1.map { ($0.after?["title"]).flatMap { $0 } } == ["first", "second", nil])
        // REPLICA IDENTITY FULL: the delete carries the whole old row, author included.
        #expect(doc1.last?.before?["author_id"] == "ada")
        #expect(doc1.last?.before?["title"] == "second")
        #expect(zip(doc1, doc1.dropFirst()).allSatisfy { $0.lsn < $1.lsn })
        try await fixture.dropSlot()
    }

    @Test("a publication left without its tables by a dropped schema gets them back, so changes stream")
    func repairsPublication() async throws {
        let fixture = try await Fixture("cdcpub")
        // What DROP SCHEMA … CASCADE leaves of an earlier namespace's publication: the name alone.
        try await fixture.db.execute(PostgresQuery(unsafeSQL: "CREATE PUBLICATION \(PostgresQuery.quoteIdentifier(fixture.configuration.publication))"))
        let relay = try CDCRelay(fixture.configuration)
        let running = Task { try await relay.run() }
        _ = await eventually { relay.position.confirmed > .zero }
        try await fixture.insertDocument("doc-after", title: "streamed")
        let reader = try fixture.reader()
        var changes: [WarehouseChange] = []
        try await fixture.read(reader, into: &changes) { $0.contains { $0.key == ["document_id": "doc-after"] } }
        await reader.close()
        running.cancel()
        _ = await running.result
        await relay.shutdown()
        #expect(changes.contains { $0.table == "documents" && $0.op == .create && $0.key == ["document_id": "doc-after"] })
        let published = try await fixture.db.query("""
            SELECT tablename FROM pg_publication_tables WHERE pubname = \(fixture.configuration.publication) AND schemaname = \(fixture.name)
            """).map { try $0.decode(String.self, "tablename") }
        #expect(Set(published) == Set(fixture.configuration.tables))
        try await fixture.dropSlot()
    }

    @Test("an idle relay confirms past WAL that holds no published change, so the slot lets it go")
    func confirmsIdlePositions() async throws {
        let fixture = try await Fixture("cdcidle")
        let relay = try CDCRelay(fixture.configuration)
        let running = Task { try await relay.run() }
        _ = await eventually { relay.position.confirmed > .zero }
        try await fixture.db.execute("CREATE TABLE unpublished (x int)")
        try await fixture.db.execute("INSERT INTO unpublished VALUES (1)")
        let text = try await fixture.db.query("SELECT pg_current_wal_lsn()::text AS lsn")[0].decode(String.self, "lsn")
        let written = try #require(LSN(text: text))
        let passed = await eventually(timeout: .seconds(60)) { relay.position.confirmed >= written }
        running.cancel()
        _ = await running.result
        await relay.shutdown()
        #expect(passed, "confirmed \(relay.position.confirmed), WAL written to \(written)")
        try await fixture.dropSlot()
    }

    @Test("a restarted relay resumes from the confirmed position without losing changes")
    func resumesAfterRestart() async throws {
        let fixture = try await Fixture("cdcresume")
        let first = try CDCRelay(fixture.configuration)
        let running = Task { try await first.run() }
        let reader = try fixture.reader()
        var changes: [WarehouseChange] = []
        func documents(_ changes: [WarehouseChange]) -> Set<String> {
            Set(changes.filter { $0.table == "documents" }.compactMap { $0.key["document_id"] })
        }
        _ = await eventually { first.position.confirmed > .zero }
        try await fixture.insertDocument("doc-a", title: "a")
        try await fixture.read(reader, into: &changes) { documents($0).contains("doc-a") }
        running.cancel()
        _ = await running.result
        await first.shutdown()

        try await fixture.insertDocument("doc-b", title: "written while the relay was down")
        let second = try CDCRelay(fixture.configuration)
        let resumed = Task { try await second.run() }
        try await fixture.read(reader, into: &changes) { documents($0).contains("doc-b") }
        await reader.close()
        resumed.cancel()
        _ = await resumed.result
        await second.shutdown()
        #expect(documents(changes) == ["doc-a", "doc-b"])
        #expect(changes.allSatisfy { $0.op == .create })
        // A change may repeat after the restart, but only with its original position.
        let positions = Dictionary(grouping: changes) { "\($0.lsn):\($0.sequence)" }
        #expect(positions.values.allSatisfy { Set($0.map(\.key)).count == 1 })
        try await fixture.dropSlot()
    }

    @Test("the relay survives a PostgreSQL restart and resumes from the slot's confirmed position", .timeLimit(.minutes(3)))
    func survivesPostgresRestart() async throws {
        let server = try await PrivatePostgres.start()
        let fixture = try await Fixture("cdcpgrestart", databaseURL: server.url)
        let relay = try CDCRelay(fixture.configuration)
        let running = Task { await relay.runForever() }
        let reader = try fixture.reader()
        var changes: [WarehouseChange] = []
        func documents(_ changes: [WarehouseChange]) -> Set<String> {
            Set(changes.filter { $0.table == "documents" }.compactMap { $0.key["document_id"] })
        }
        _ = await eventually { relay.position.confirmed > .zero }
        try await fixture.insertDocument("doc-before", title: "before the restart")
        try await fixture.read(reader, into: &changes) { documents($0).contains("doc-before") }

        try await server.restart()
        // The relay's replication connection died with the server; runForever reconnects.
        try await fixture.insertDocument("doc-after", title: "after the restart")
        try await fixture.read(reader, into: &changes) { documents($0).contains("doc-after") }
        let lastRelayed = LSN(UInt64(changes.map(\.lsn).max() ?? 0))
        let confirmedAfter = try await eventually {
            let slot = try await fixture.db.query("""
                SELECT confirmed_flush_lsn >= \(lastRelayed.description)::pg_lsn AS caught_up
                FROM pg_replication_slots WHERE slot_name = \(fixture.configuration.slot)
                """)
            return try slot.first?.decode(Bool.self, "caught_up") ?? false
        }
        await reader.close()
        running.cancel()
        _ = await running.result
        await relay.shutdown()

        #expect(documents(changes) == ["doc-before", "doc-after"])
        #expect(changes.filter { $0.table == "documents" }.allSatisfy { $0.op == .create })
        #expect(confirmedAfter, "the slot's confirmed position reaches the last relayed change after the reconnect")
        let positions = Dictionary(grouping: changes) { "\($0.lsn):\($0.sequence)" }
        #expect(positions.values.allSatisfy { Set($0.map(\.key)).count == 1 })
        await fixture.db.close()
        await server.stop()
    }
}
