import CDCConsumer
import Foundation
import Testing
import TwinlogEvents
import TwinlogKafka
import TwinlogPostgres
import TwinlogTestSupport

@Suite("CDC relay: the first snapshot reads tables through a cursor in batches")
struct CDCSnapshotBatchTests {
    @Test("a table of more rows than one batch arrives in the snapshot, every row exactly once, and streaming follows")
    func snapshotInBatches() async throws {
        var fixture = try await CDCRelayTests.Fixture("cdcbatch")
        fixture.configuration.snapshotBatchRows = 3
        let ids = (1...10).map { "doc-\($0)" }
        for id in ids { try await fixture.insertDocument(id, title: "title of \(id)") }
        // Three authors: exactly one batch, so the last fetch of that table comes back empty.
        try await fixture.db.execute("INSERT INTO authors (author_id, name) VALUES ('grace', 'Grace'), ('alan', 'Alan')")
        let relay = try CDCRelay(fixture.configuration)
        let running = Task { try await relay.run() }
        _ = await eventually { relay.position.confirmed > .zero }
        // Written after the slot's snapshot: a streamed create, never a snapshot row.
        try await fixture.insertDocument("doc-after", title: "after the snapshot")

        let reader = try fixture.reader()
        var changes: [WarehouseChange] = []
        // The topic has two partitions, read independently: wait for all 13 snapshot rows and the create.
        try await fixture.read(reader, into: &changes) { changes in
            changes.filter { $0.op == .read }.count >= 13 && changes.contains { $0.key["document_id"] == "doc-after" }
        }
        await reader.close()
        running.cancel()
        _ = await running.result
        await relay.shutdown()

        let snapshot = changes.filter { $0.op == .read && $0.table == "documents" }
        #expect(snapshot.compactMap { $0.key["document_id"] }.sorted() == ids.sorted())
        #expect(snapshot.allSatisfy { $0.after?["title"] == "title of \($0.key["document_id"] ?? "")" })
        #expect(changes.filter { $0.op == .read && $0.table == "authors" }.compactMap { $0.key["author_id"] }.sorted() == ["ada", "alan", "grace"])
        let reads = changes.filter { $0.op == .read }
        #expect(Set(reads.map(\.sequence)).count == reads.count, "every snapshot row has its own position")
        #expect(changes.filter { $0.key["document_id"] == "doc-after" }.map(\.op) == [.create])
        try await fixture.dropSlot()
    }

    @Test("a snapshot batch size below one is refused")
    func batchSizeChecked() {
        var configuration = CDCRelay.Configuration(kafka: LocalServices.kafka, database: .init(url: LocalServices.databaseURL),
                                                   topics: TopicCatalogue(prefix: "unused."))
        configuration.snapshotBatchRows = 0
        #expect { try CDCRelay(configuration) } throws: { "\($0)".contains("snapshotBatchRows must be at least 1") }
    }
}
