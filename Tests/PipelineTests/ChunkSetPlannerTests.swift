import FeatureConsumer
import Foundation
import Testing
import TwinlogEvents
import TwinlogText

/// The planner alone: what a batch of changes publishes, given the stored chunk sets.
@Suite("Chunk set planner")
struct ChunkSetPlannerTests {
    let chunker: Chunker

    init() throws { chunker = Chunker(tokenizer: try PipelineFixture.embedder().tokenizer) }

    static let documentId = EventIDs.documentId(url: "https://plan.example/a")

    static func row(_ content: String, author: String = "ada-lovelace") -> DocumentRow {
        DocumentRow(documentId: documentId, authorId: author, platform: .medium, kind: .post, title: "A", url: "https://plan.example/a",
                    content: content, contentHash: EventIDs.contentHash(content), capturedAt: Date(timeIntervalSince1970: 0))
    }

    func ids(_ content: String) -> [String] {
        chunker.chunks(of: content, documentId: Self.documentId, kind: .post).map(\.id)
    }

    func stored(_ content: String, at lsn: Int64, unsettled: Set<String> = []) -> [String: ChunkSetState] {
        [Self.documentId: ChunkSetState(documentId: Self.documentId, authorId: "ada-lovelace", contentHash: EventIDs.contentHash(content),
                                        chunkIds: ids(content), unsettledIds: unsettled, position: ChangePosition(lsn: lsn, sequence: 0))]
    }

    @Test("an insert and an edit in one batch embed only the edit's chunks")
    func netEffect() throws {
        var planner = ChunkSetPlanner(chunker: chunker, stored: [:])
        try planner.apply(.upsert(Self.row("First words."), ChangePosition(lsn: 10, sequence: 0)))
        try planner.apply(.upsert(Self.row("Second words."), ChangePosition(lsn: 20, sequence: 0)))
        let plan = planner.finish()
        #expect(plan.embed.map(\.chunk.id) == ids("Second words."))
        #expect(plan.removed.isEmpty)
        #expect(plan.final.map(\.chunkIds) == [ids("Second words.")])
    }

    @Test("a change at or before the stored position is a duplicate and plans nothing")
    func duplicate() throws {
        var planner = ChunkSetPlanner(chunker: chunker, stored: stored("Old words.", at: 20))
        try planner.apply(.upsert(Self.row("New words."), ChangePosition(lsn: 20, sequence: 0)))
        try planner.apply(.delete(documentId: Self.documentId, ChangePosition(lsn: 15, sequence: 3)))
        let plan = planner.finish()
        #expect(plan.duplicates == 2)
        #expect(plan.isEmpty && plan.final.isEmpty && plan.pending.isEmpty)
    }

    @Test("unsettled ids of a crashed batch are published again: embedded when held, removed when not")
    func unsettled() throws {
        let held = ids("Kept words. More words.")
        let ghost = EventIDs.sha256Hex("a chunk a crashed batch published")
        var planner = ChunkSetPlanner(chunker: chunker, stored: stored("Kept words. More words.", at: 5, unsettled: [held[0], ghost]))
        try planner.apply(.upsert(Self.row("Kept words. More words. And a new sentence."), ChangePosition(lsn: 9, sequence: 0)))
        let plan = planner.finish()
        let now = ids("Kept words. More words. And a new sentence.")
        let expectedEmbeds = now.filter { !held.contains($0) || $0 == held[0] }
        #expect(plan.embed.map(\.chunk.id) == expectedEmbeds)
        #expect(Set(plan.removed.map(\.event.chunkId)) == Set(held.filter { !now.contains($0) } + [ghost]))
        #expect(plan.pending.first?.unsettledIds.isSuperset(of: [ghost]) == true)
        #expect(plan.final.first?.unsettledIds == [])
    }

    @Test("an erasure removes the author's documents changed before it, not one re-captured after it")
    func erasure() throws {
        var planner = ChunkSetPlanner(chunker: chunker, stored: stored("Her words.", at: 5))
        try planner.apply(.eraseAuthor(authorId: "ada-lovelace", ChangePosition(lsn: 3, sequence: 0)))
        #expect(planner.finish().isEmpty)

        var later = ChunkSetPlanner(chunker: chunker, stored: stored("Her words.", at: 5))
        try later.apply(.eraseAuthor(authorId: "ada-lovelace", ChangePosition(lsn: 7, sequence: 0)))
        let plan = later.finish()
        #expect(plan.removed.map(\.event.chunkId) == ids("Her words."))
        #expect(plan.removed.allSatisfy { $0.event.reason == "author erased" })
        #expect(plan.final.first?.authorId == nil && plan.final.first?.chunkIds == [])
    }

    @Test("an upsert with the stored content hash embeds nothing")
    func unchanged() throws {
        var planner = ChunkSetPlanner(chunker: chunker, stored: stored("Same words.", at: 5))
        try planner.apply(.upsert(Self.row("Same words."), ChangePosition(lsn: 6, sequence: 0)))
        let plan = planner.finish()
        #expect(plan.isEmpty && plan.unchangedDocuments == 1)
        #expect(plan.final.first?.position == ChangePosition(lsn: 6, sequence: 0))
    }
}
