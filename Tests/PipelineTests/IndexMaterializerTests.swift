import Foundation
import IndexConsumer
import Testing
import TwinlogEvents
import TwinlogIndex
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogMetrics
import TwinlogSink
import TwinlogTestSupport
import TwinlogText

/// The index materializer alone, fed synthetic chunk events (no embedder needed).
@Suite("Index materializer: snapshots with offsets, restart, dead letters")
struct IndexMaterializerTests {
    static func vector(_ seed: Int) -> [Float] {
        var state = UInt64(seed + 1)
        var values: [Float] = (0..<384).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 1000
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        values = values.map { $0 / norm }
        return values
    }

    static func chunk(_ i: Int, documentId: String = EventIDs.documentId(url: "https://synthetic.example/doc")) -> ChunkEmbedded {
        ChunkEmbedded(chunkId: EventIDs.sha256Hex("chunk \(i)"), documentId: documentId, authorId: "ada-lovelace", platform: .medium,
                      kind: .article, title: "Doc", url: "https://synthetic.example/doc", text: "chunk \(i)", chunkIndex: i,
                      vector: vector(i), model: "all-MiniLM-L6-v2", sourceTime: Date())
    }

    @Test("a restarted materializer loads its snapshot, seeks to the offsets it reflects, catches up, and equals a rebuild", .timeLimit(.minutes(3)))
    func snapshotRestart() async throws {
        let fixture = try await PipelineFixture("snapshot")
        let topic = fixture.topics.chunks
        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("\(fixture.name).hnsw")
        defer { try? FileManager.default.removeItem(at: snapshot) }
        try await fixture.producer.send((0..<100).map { try EventCodec.record(Self.chunk($0), topic: topic, source: "tests") })

        let first = try await IndexMaterializer(fixture.indexConfiguration(snapshot: snapshot))
        #expect(try await eventually(timeout: .seconds(30)) {
            try await first.step(timeout: .milliseconds(50))
            return first.index.count == 100
        })
        try await first.snapshot()
        let saved = first.position
        await first.shutdown()
        #expect(saved.offsets.values.reduce(0, +) == 100)

        // While it is down: 50 more chunks, and 10 of the first removed (event + tombstone).
        var more = try (100..<150).map { try EventCodec.record(Self.chunk($0), topic: topic, source: "tests") }
        for i in 0..<10 {
            let id = Self.chunk(i).chunkId
            more.append(try EventCodec.record(ChunkRemoved(chunkId: id, documentId: Self.chunk(i).documentId, authorId: "ada-lovelace", reason: "edited"),
                                              topic: topic, source: "tests"))
            more.append(OutgoingRecord(topic: topic, key: id, value: nil))
        }
        try await fixture.producer.send(more)

        let metrics = MetricsRegistry()
        let second = try await IndexMaterializer(fixture.indexConfiguration(snapshot: snapshot, registry: metrics))
        #expect(second.position == saved)
        #expect(second.index.count == 100)
        #expect(try await eventually(timeout: .seconds(30)) {
            try await second.step(timeout: .milliseconds(50))
            return second.position.offsets.values.reduce(0, +) == 170
        })
        await second.shutdown()
        let expected = Set((10..<150).map { Self.chunk($0).chunkId })
        #expect(Set(second.index.keys) == expected)
        // Only the records after the snapshot were applied on restart.
        #expect(metrics.render().contains("twinlog_index_events_total 70\n"))

        let (rebuilt, _) = try await IndexReplay.run(fixture.indexConfiguration())
        #expect(rebuilt.keys == second.index.keys)
        for key in expected { #expect(rebuilt.vector(for: key) == second.index.vector(for: key)) }
    }

    @Test("a replica starts from the index component's snapshot and catches up without writing it; an unreadable snapshot means a full replay",
          .timeLimit(.minutes(3)))
    func replicaFromSnapshot() async throws {
        let fixture = try await PipelineFixture("replica")
        let topic = fixture.topics.chunks
        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("\(fixture.name).hnsw")
        defer { try? FileManager.default.removeItem(at: snapshot) }
        try await fixture.producer.send((0..<60).map { try EventCodec.record(Self.chunk($0), topic: topic, source: "tests") })
        let owner = try await IndexMaterializer(fixture.indexConfiguration(snapshot: snapshot))
        #expect(try await eventually(timeout: .seconds(30)) {
            try await owner.step(timeout: .milliseconds(50))
            return owner.index.count == 60
        })
        try await owner.snapshot()
        await owner.shutdown()
        try await fixture.producer.send((60..<80).map { try EventCodec.record(Self.chunk($0), topic: topic, source: "tests") })
        let written = try Data(contentsOf: snapshot)

        var configuration = fixture.indexConfiguration(snapshot: snapshot)
        configuration.writesSnapshots = false
        let replica = try await IndexMaterializer(configuration)
        #expect(replica.index.count == 60, "the replica starts from the snapshot")
        #expect(try await eventually(timeout: .seconds(30)) {
            try await replica.step(timeout: .milliseconds(50))
            return replica.index.count == 80
        })
        try await replica.snapshot()
        await replica.shutdown()
        #expect(try Data(contentsOf: snapshot) == written, "a replica never writes the snapshot")

        try Data("not an index".utf8).write(to: snapshot)
        let fresh = try await IndexMaterializer(configuration)
        #expect(fresh.index.count == 0)
        #expect(try await eventually(timeout: .seconds(30)) {
            try await fresh.step(timeout: .milliseconds(50))
            return fresh.index.count == 80
        })
        await fresh.shutdown()
    }

    @Test("a chunk event the index cannot take is dead-lettered and the materializer moves on", .timeLimit(.minutes(2)))
    func deadLetters() async throws {
        let fixture = try await PipelineFixture("indexdlq")
        let topic = fixture.topics.chunks
        var wrongSize = Self.chunk(1)
        wrongSize.embedding = EmbeddingCoding.encode([1, 0, 0])
        wrongSize.dimensions = 3
        try await fixture.producer.send([
            try EventCodec.record(wrongSize, topic: topic, source: "tests"),
            OutgoingRecord(topic: topic, key: "k", value: Array("{}".utf8)),
            try EventCodec.record(Self.chunk(2), topic: topic, source: "tests"),
        ])
        let materializer = try await IndexMaterializer(fixture.indexConfiguration())
        var dead = 0
        #expect(try await eventually(timeout: .seconds(30)) {
            dead += try await materializer.step(timeout: .milliseconds(50)).deadLettered
            return materializer.position.offsets.values.reduce(0, +) == 3
        })
        await materializer.shutdown()
        #expect(dead == 2)
        #expect(materializer.index.keys == [Self.chunk(2).chunkId])
    }
}
