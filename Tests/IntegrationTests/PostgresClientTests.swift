import Foundation
import Testing
import TwinlogPostgres
import TwinlogSink
import TwinlogTestSupport

@Suite("PostgreSQL client against the local server")
struct PostgresClientTests {
    @Test("parameters bind values, never splice them into SQL")
    func bindParameters() async throws {
        let db = try await LocalServices.database(schema: uniqueName("bind"))
        try await db.execute("CREATE TABLE notes (id integer PRIMARY KEY, body text, at timestamptz, raw bytea, ok boolean)")
        let hostile = "'); DROP TABLE notes; --"
        let when = Date(timeIntervalSince1970: 1_800_000_000.123456)
        let raw: [UInt8] = [0, 1, 254, 255]
        try await db.execute("INSERT INTO notes VALUES (\(1), \(hostile), \(when), \(raw), \(true))")
        let rows = try await db.query("SELECT id, body, at, raw, ok FROM notes WHERE body = \(hostile)")
        #expect(rows.count == 1)
        #expect(try rows[0].decode(Int.self, "id") == 1)
        #expect(try rows[0].decode(String.self, "body") == hostile)
        #expect(abs(try rows[0].decode(Date.self, "at").timeIntervalSince(when)) < 1e-5)
        #expect(try rows[0].decode([UInt8].self, "raw") == raw)
        #expect(try rows[0].decode(Bool.self, "ok"))
        await db.close()
    }

    @Test("decoding names the column and the expected type when a value does not fit")
    func decodingErrors() async throws {
        let db = try await LocalServices.database(schema: uniqueName("decode"))
        let row = try #require(try await db.query("SELECT 'abc'::text AS word, NULL::int AS nothing").first)
        #expect { try row.decode(Int.self, "word") } throws: { "\($0)".contains("word") && "\($0)".contains("Int") }
        #expect { try row.decode(Int.self, "nothing") } throws: { "\($0)".contains("NULL") }
        #expect { try row.decode(Int.self, "missing") } throws: { "\($0)".contains("missing") }
        #expect(try row.decodeIfPresent(Int.self, "nothing") == nil)
        await db.close()
    }

    @Test("a rolled-back transaction leaves no rows")
    func rollbackLeavesNothing() async throws {
        let db = try await LocalServices.database(schema: uniqueName("rollback"))
        try await db.execute("CREATE TABLE items (id integer PRIMARY KEY)")
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await db.transaction { db in
                try await db.execute("INSERT INTO items VALUES (\(1)), (\(2))")
                throw Abort()
            }
        }
        #expect(try await db.query("SELECT count(*) AS n FROM items")[0].decode(Int.self, "n") == 0)
        try await db.transaction { db in try await db.execute("INSERT INTO items VALUES (\(3))") }
        #expect(try await db.query("SELECT count(*) AS n FROM items")[0].decode(Int.self, "n") == 1)
        await db.close()
    }

    @Test("a failing statement reports its SQLSTATE and rolls the transaction back")
    func statementErrors() async throws {
        let db = try await LocalServices.database(schema: uniqueName("sqlstate"))
        try await db.execute("CREATE TABLE items (id integer PRIMARY KEY)")
        await #expect {
            try await db.transaction { db in
                try await db.execute("INSERT INTO items VALUES (\(1))")
                try await db.execute("INSERT INTO items VALUES (\(1))")
            }
        } throws: { ($0 as? PostgresError)?.sqlState == PostgresError.uniqueViolation }
        #expect(try await db.query("SELECT count(*) AS n FROM items")[0].decode(Int.self, "n") == 0)
        await db.close()
    }

    @Test("COPY loads many rows with tabs, newlines, backslashes and NULLs intact")
    func copyIn() async throws {
        let db = try await LocalServices.database(schema: uniqueName("copy"))
        try await db.execute("CREATE TABLE lines (id integer, body text)")
        let bodies: [String?] = ["plain", "tab\there", "new\nline", "back\\slash", nil, "ünïcødé ✓", "\\N"]
        let rows: [[any PostgresBindable]] = (0..<1000).map { [$0, bodies[$0 % bodies.count]] }
        try await db.copy(into: "lines", columns: ["id", "body"], rows: rows)
        let stored = try await db.query("SELECT id, body FROM lines ORDER BY id")
        #expect(stored.count == 1000)
        for row in stored.prefix(14) {
            let id = try row.decode(Int.self, "id")
            #expect(try row.decodeIfPresent(String.self, "body") == bodies[id % bodies.count])
        }
        await db.close()
    }

    @Test("migrations apply exactly once, in order, and an edited migration is refused")
    func migrationsApplyOnce() async throws {
        let db = try await LocalServices.database(schema: uniqueName("migrate"))
        let migrator = try Migrator(migrations: [
            .init(version: 2, name: "0002_add", sql: "ALTER TABLE t ADD COLUMN b text;"),
            .init(version: 1, name: "0001_create", sql: "CREATE TABLE t (a integer);"),
        ])
        #expect(try await migrator.migrate(db) == [1, 2])
        #expect(try await migrator.migrate(db) == [])
        let applied = try await db.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(Int.self, "version") }
        #expect(applied == [1, 2])

        let edited = try Migrator(migrations: [.init(version: 1, name: "0001_create", sql: "CREATE TABLE t (a bigint);")])
        await #expect { try await edited.migrate(db) } throws: { "\($0)".contains("changed after it was applied") }
        await db.close()
    }

    @Test("the warehouse migrations apply to a fresh schema and are recorded")
    func warehouseMigrations() async throws {
        let schema = uniqueName("wh")
        let db = try await LocalServices.database(schema: schema)
        let applied = try await WarehouseSchema.prepare(db, schema: schema)
        #expect(!applied.isEmpty)
        #expect(try await WarehouseSchema.prepare(db, schema: schema).isEmpty)
        for table in ["authors", "documents", "document_versions", "consumer_offsets", "erased_authors"] {
            let present = try await db.query("SELECT to_regclass(\(schema + "." + table)) IS NOT NULL AS present")[0].decode(Bool.self, "present")
            #expect(present, "table \(table)")
        }
        await db.close()
    }

    @Test("an unreachable server fails with an error naming it", .timeLimit(.minutes(1)))
    func unreachableServer() async throws {
        var options = PostgresConnection.Options(url: "postgresql://twinlog@127.0.0.1:9/twinlog")
        options.connectTimeout = .seconds(2)
        await #expect {
            _ = try await PostgresConnection.connect(options)
        } throws: { error in
            "\(error)".contains("127.0.0.1:9") && (error as? PostgresError)?.isConnectionFailure == true
        }
    }

    @Test("the client reconnects after the server restarts", .timeLimit(.minutes(2)))
    func reconnectsAfterRestart() async throws {
        let server = try await PrivatePostgres.start()
        var options = PostgresConnection.Options(url: server.url)
        options.reconnectFor = .seconds(30)
        let db = try await PostgresConnection.connect(options)
        try await db.execute("CREATE TABLE survivors (id integer)")
        try await db.execute("INSERT INTO survivors VALUES (\(1))")
        try await server.restart()
        try await db.execute("INSERT INTO survivors VALUES (\(2))")
        let count = try await db.query("SELECT count(*) AS n FROM survivors")[0].decode(Int.self, "n")
        #expect(count == 2)
        await db.close()
        await server.stop()
    }
}
