import Testing
import TwinlogPostgres

@Suite("Credentials never reach messages: database URLs and connection strings are redacted")
struct RedactionTests {
    @Test("every form of a database password is masked and the rest of the URL kept", arguments: [
        ("postgresql://twinlog:hunter2@pg.example:5432/twinlog", "postgresql://twinlog:***@pg.example:5432/twinlog"),
        ("postgresql://pg.example/twinlog?password=hunter2", "postgresql://pg.example/twinlog?password=***"),
        ("postgresql://pg.example/twinlog?sslmode=require&password=hunter2&application_name=x",
         "postgresql://pg.example/twinlog?sslmode=require&password=***&application_name=x"),
        ("postgres://u@pg.example/db?sslpassword=hunter2&sslkey=/k.pem", "postgres://u@pg.example/db?sslpassword=***&sslkey=/k.pem"),
        ("postgresql://pg.example/db?PASSWORD=hunter2", "postgresql://pg.example/db?PASSWORD=***"),
        ("postgresql://pg.example/db?pass%77ord=hunter2", "postgresql://pg.example/db?pass%77ord=***"),
        ("postgresql://u:hunter2@pg.example/db?password=hunter2#frag", "postgresql://u:***@pg.example/db?password=***#frag"),
        ("host=pg.example password=hunter2 dbname=twinlog", "host=pg.example password=*** dbname=twinlog"),
        ("host=pg.example password = 'hunter2 with \\' quote' dbname=twinlog", "host=pg.example password = *** dbname=twinlog"),
        ("host=pg.example sslpassword=hunter2", "host=pg.example sslpassword=***"),
    ])
    func redacted(url: String, expected: String) {
        let shown = PostgresConnection.redacted(url)
        #expect(shown == expected)
        #expect(!shown.contains("hunter2"))
    }

    @Test("a URL without credentials is shown unchanged")
    func unchanged() {
        let url = "postgresql://twinlog@127.0.0.1:55432/twinlog?sslmode=verify-full&sslrootcert=/etc/ca.pem"
        #expect(PostgresConnection.redacted(url) == url)
        #expect(PostgresConnection.redacted("host=127.0.0.1 dbname=twinlog") == "host=127.0.0.1 dbname=twinlog")
    }
}
