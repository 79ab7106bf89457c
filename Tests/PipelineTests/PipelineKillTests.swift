import FeatureConsumer
import Foundation
import IndexConsumer
import Testing
import TwinlogEmbedding
import TwinlogEvents
import TwinlogIndex
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogRuntime
import TwinlogSink
import TwinlogTestSupport
import TwinlogText

/// Effectively-once under crashes: the real `twinlog run` process with all four consumers is
/// killed with SIGKILL while it works through a load, then restarted.
@Suite("Kill -9 of the pipeline during a load")
struct PipelineKillTests {
    @Test("7 kills of warehouse, relay, features and index during a load: the restarted index equals a clean rebuild",
          .timeLimit(.minutes(10)))
    func killDuringLoad() async throws {
        let binary = try twinlogBinary()
        let fixture = try await PipelineFixture("pkill")
        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("\(fixture.name).hnsw")
        defer { try? FileManager.default.removeItem(at: snapshot) }
        let executor = BlockingExecutor(label: "tests.pipeline.kill")
        let environment = [
            "TWINLOG_BROKERS": LocalServices.brokers, "TWINLOG_DATABASE_URL": LocalServices.databaseURL,
            "TWINLOG_DATABASE_SCHEMA": fixture.name, "TWINLOG_TOPIC_PREFIX": fixture.topics.prefix,
            "TWINLOG_SESSION_TIMEOUT": "3", "TWINLOG_LOG_LEVEL": "warning",
        ]
        let arguments = [binary, "run", "--only", "warehouse,cdc,features,index", "--index-snapshot", snapshot.path, "--snapshot-interval", "0.5"]

        // 48 short documents by 4 authors (the debug embedder is slow), then edits, deletions and
        // one erasure: 7 slices, one process each.
        let authors = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra"]
        let documents = (0..<48).map { i in
            PipelineFixture.document("https://kill.example/\(i)", author: authors[i % 4], kind: .post,
                                     content: Articles.text([(0..<(2 + i % 5)).map { Articles.sentence(i, $0) }]))
        }
        var slices: [[any TwinlogEvent]] = stride(from: 0, to: 48, by: 12).map { Array(documents[$0..<$0 + 12]) }
        slices.append((0..<10).map { i in
            PipelineFixture.document("https://kill.example/\(i * 4)", author: authors[0], kind: .post,
                                     content: Articles.text([[Articles.sentence(i, 0, seed: 11), Articles.sentence(i * 4, 1)]]))
        })
        slices.append((0..<5).map { i in DocumentRemoved(documentId: documents[i * 8 + 1].documentId, authorId: documents[i * 8 + 1].authorId,
                                                         reason: "gone", removedAt: Date()) })
        slices.append([AuthorErased(authorId: EventIDs.authorId(name: "Alan Turing"), reason: "erasure request", requestedAt: Date())])

        var generator = SystemRandomNumberGenerator()
        var killedWhileWorking = 0
        for slice in slices {
            let before = try await progress(fixture)
            try await fixture.producer.send(slice.map { try EventCodec.record($0, topic: fixture.topics.documents, source: "tests") })
            let running = try ChildProcess.start(arguments, environment: environment, stdoutPath: "/dev/null")
            let working = try await eventually(timeout: .seconds(60)) { try await progress(fixture) > before }
            if working { killedWhileWorking += 1 }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...3000, using: &generator)))
            running.send(SIGKILL)
            _ = try await executor.run { try running.wait() }
        }
        #expect(killedWhileWorking >= 4, "only \(killedWhileWorking) of \(slices.count) processes had started working when killed")

        // The last process runs until the chunk sets match the warehouse, then stops cleanly.
        let last = try ChildProcess.start(arguments, environment: environment, stdoutPath: "/dev/null")
        var expected = Set<String>()
        let converged = try await eventually(timeout: .seconds(300)) {
            expected = try await expectedChunks(fixture)
            let stored = try await ChunkSetStore().liveChunks(fixture.db)
            let unsettled = try await fixture.db.query("SELECT 1 FROM feature_chunk_sets WHERE cardinality(unsettled_ids) > 0")
            // 48 documents, 5 deleted, 12 of the erased author's: 31 remain.
            let documents = try await fixture.db.query("SELECT count(*) AS n FROM documents")[0].decode(Int.self, "n")
            return documents == 31 && Set(stored.keys) == expected && unsettled.isEmpty
        }
        #expect(converged)
        #expect(!expected.isEmpty)
        try await Task.sleep(for: .seconds(1))
        last.send(SIGTERM)
        #expect(try await executor.run { try last.wait() } == 0)
        await fixture.dropSlot()

        // Restart the index from the snapshot the killed and stopped processes left, and catch up.
        let restarted = try await IndexMaterializer(fixture.indexConfiguration(snapshot: snapshot))
        let ends = try await restarted.endOffsets()
        while true {
            let applied = try await restarted.step(timeout: .milliseconds(500)).records
            if applied == 0, restarted.hasReached(ends) { break }
        }
        await restarted.shutdown()
        let (rebuilt, _) = try await IndexReplay.run(fixture.indexConfiguration())

        #expect(Set(restarted.index.keys) == expected)
        #expect(restarted.index.keys == rebuilt.keys)
        var sameVectors = 0
        for key in rebuilt.keys where restarted.index.vector(for: key) == rebuilt.vector(for: key) { sameVectors += 1 }
        #expect(sameVectors == rebuilt.keys.count)
        // And the vectors are the embeddings of the chunks' embedded texts (header and chunk).
        let sample = Array(expected.sorted().prefix(20))
        let embedded = try await expectedPieces(fixture)
        let fresh = await fixture.embedder.embed(sample.map { embedded[$0]!.embeddedText })
        for (key, vector) in zip(sample, fresh) {
            let stored = rebuilt.vector(for: key)!
            #expect(zip(stored, vector).allSatisfy { abs($0 - $1) <= 1e-5 })
        }
        #expect(rebuilt.keys(ofAuthors: [EventIDs.authorId(name: "Alan Turing")]).isEmpty)
    }

    /// The feature consumer's progress: change events it committed.
    private func progress(_ fixture: PipelineFixture) async throws -> Int {
        try await fixture.db.query("""
            SELECT coalesce(sum(next_offset), 0) AS n FROM consumer_offsets WHERE consumer = \(FeatureConsumer.consumerName)
            """)[0].decode(Int.self, "n")
    }

    /// The chunk ids the warehouse's documents should have, computed independently with the chunker.
    private func expectedChunks(_ fixture: PipelineFixture) async throws -> Set<String> {
        Set(try await expectedPieces(fixture).keys)
    }

    /// What the feature consumer should make of the warehouse's documents, by chunk id.
    private func expectedPieces(_ fixture: PipelineFixture) async throws -> [String: ChunkingScheme.Piece] {
        var pieces: [String: ChunkingScheme.Piece] = [:]
        for row in try await fixture.db.query("SELECT document_id, platform, kind, title, source_url, content FROM documents") {
            for piece in fixture.pieces(
                documentId: try row.decode(String.self, "document_id"), platform: Platform(rawValue: try row.decode(String.self, "platform"))!,
                kind: DocumentKind(rawValue: try row.decode(String.self, "kind"))!, title: try row.decode(String.self, "title"),
                url: try row.decode(String.self, "source_url"), content: try row.decode(String.self, "content")) {
                pieces[piece.id] = piece
            }
        }
        return pieces
    }
}

private extension VectorIndex {
    /// Everything whose payload names one of `authorIds`.
    func keys(ofAuthors authorIds: Set<String>) -> [String] {
        keys.filter { payload(for: $0).map { authorIds.contains($0.authorId) } ?? false }
    }
}
