import ArgumentParser
import Foundation
import TwinlogConfig
import TwinlogEvents
import TwinlogKafka
import TwinlogPostgres
import WarehouseConsumer

/// The main job on one machine: start the local services, create the topics, send a document event
/// through producer → broker → warehouse consumer → PostgreSQL, and show each step.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo",
                                                    abstract: "Bring everything up and send a sample document through the pipeline.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Do not start the local broker and PostgreSQL (use the configured ones).")
    var noUp = false

    func run() async throws {
        if !noUp { try DevScript.run("up") }
        let config = try global.load()

        step("1/4", "creating topics on \(config.brokers)")
        let admin = try KafkaAdmin(configuration: config.kafka)
        try await admin.createTopics(config.topics.specs)
        await admin.close()
        print("      \(config.topics.specs.count) topics ready (\(config.topics.documents), \(config.topics.chunks), …)")

        step("2/4", "starting the warehouse materializer (migrations, consumer group)")
        let materializer = try await WarehouseMaterializer(.init(kafka: config.kafka, database: config.database, topics: config.topics,
                                                                 groupId: "twinlog.demo.warehouse"))

        step("3/4", "producing a DocumentCaptured event")
        let producer = try KafkaProducer(configuration: config.kafka)
        let url = "https://example.org/ada/notes-on-the-analytical-engine"
        let document = DocumentCaptured(
            documentId: EventIDs.documentId(url: url), authorId: EventIDs.authorId(name: "Ada Lovelace"), authorName: "Ada Lovelace",
            platform: .article, kind: .article, sourceUrl: url, title: "Notes on the Analytical Engine",
            content: "The Analytical Engine weaves algebraic patterns just as the Jacquard loom weaves flowers and leaves.",
            capturedAt: Date())
        let record = try EventCodec.record(document, topic: config.topics.documents, source: "twinlog/demo")
        let report = try await producer.send(record)
        print("      key \(document.documentId) → \(report.topic)[\(report.partition)] offset \(report.offset)")
        print("      headers: " + record.headers.map { "\($0.name)=\($0.stringValue ?? "")" }.joined(separator: " "))

        step("4/4", "materializing into PostgreSQL")
        let db = try await PostgresConnection.connect(config.database)
        let deadline = ContinuousClock.now + .seconds(60)
        var rows: [PostgresRow] = []
        while rows.isEmpty {
            guard ContinuousClock.now < deadline else { throw ValidationError("the document did not reach the warehouse within 60 s") }
            try await materializer.step()
            rows = try await db.query("SELECT title, version, content_hash, author_id FROM documents WHERE document_id = \(document.documentId)")
        }
        let row = rows[0]
        print("      documents row: title=\(try row.decode(String.self, "title").debugDescription) version=\(try row.decode(Int.self, "version")) author=\(try row.decode(String.self, "author_id"))")
        print("      content_hash \(try row.decode(String.self, "content_hash")) matches the event: \(try row.decode(String.self, "content_hash") == document.contentHash)")
        let versions = try await db.query("SELECT count(*) AS n FROM document_versions WHERE document_id = \(document.documentId)")
        print("      document_versions: \(try versions[0].decode(Int.self, "n")) (re-sending unchanged content adds none)")

        await producer.shutdown()
        await materializer.shutdown()
        await db.close()
        print("\nDone. `twinlog status` shows topics, rows and consumer lag; `infra/dev/down` stops the services.")
    }

    private func step(_ number: String, _ text: String) { print("[\(number)] \(text)") }
}
