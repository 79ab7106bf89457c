import Foundation
import Testing
import TwinlogPostgres
import TwinlogTestSupport

@Suite("PostgreSQL client refuses a NUL byte instead of cutting the text short")
struct PostgresNULTests {
    @Test("a NUL inside a bind parameter is an error naming the parameter, and nothing is written")
    func bindParameter() async throws {
        let db = try await LocalServices.database(schema: uniqueName("nulbind"))
        try await db.execute("CREATE TABLE notes (id integer PRIMARY KEY, body text)")
        await #expect {
            try await db.execute("INSERT INTO notes VALUES (\(1), \("kept\u{0}dropped"))")
        } throws: { error in
            let text = "\(error)"
            return text.contains("bind parameter $2") && text.contains("NUL")
        }
        #expect(try await db.query("SELECT count(*) AS n FROM notes")[0].decode(Int.self, "n") == 0)
        // The connection stays usable.
        try await db.execute("INSERT INTO notes VALUES (\(1), \("whole"))")
        #expect(try await db.query("SELECT body FROM notes")[0].decode(String.self, "body") == "whole")
        await db.close()
    }

    @Test("a NUL in an identifier, a COPY value or a script is refused, naming what held it")
    func statementText() async throws {
        let db = try await LocalServices.database(schema: uniqueName("nulsql"))
        try await db.execute("CREATE TABLE notes (id integer PRIMARY KEY, body text)")
        await #expect {
            try await db.query("SELECT * FROM \(identifier: "notes\u{0}\" WHERE false; --")")
        } throws: { "\($0)".contains("statement text") && "\($0)".contains("NUL") }
        let rows: [[any PostgresBindable]] = [[1, "fine"], [2, "cut\u{0}here"]]
        await #expect {
            try await db.copy(into: "notes", columns: ["id", "body"], rows: rows)
        } throws: { "\($0)".contains("column body of row 2") && "\($0)".contains("NUL") }
        await #expect {
            try await db.executeScript("SELECT 1;\u{0}DROP TABLE notes;")
        } throws: { "\($0)".contains("script") && "\($0)".contains("NUL") }
        #expect(try await db.query("SELECT count(*) AS n FROM notes")[0].decode(Int.self, "n") == 0)
        await db.close()
    }

    @Test("a NUL in the database URL or the search path is refused before connecting")
    func connectionSettings() async throws {
        await #expect {
            try await PostgresConnection.connect(.init(url: LocalServices.databaseURL + "\u{0}?host=elsewhere"))
        } throws: { "\($0)".contains("the database URL contains a NUL") }
        await #expect {
            try await PostgresConnection.connect(.init(url: LocalServices.databaseURL, searchPath: "public\u{0}evil"))
        } throws: { "\($0)".contains("the search path contains a NUL") }
        let replication = try await ReplicationConnection.connect(.init(url: LocalServices.databaseURL))
        await #expect {
            try await replication.command("IDENTIFY_SYSTEM\u{0}; DROP_REPLICATION_SLOT x")
        } throws: { "\($0)".contains("replication command contains a NUL") }
        await replication.close()
    }
}
