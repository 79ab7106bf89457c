import FeatureConsumer
import Foundation
import Testing
import TwinlogEmbedding
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
        ChunkingScheme.current.pieces(of: Self.row(content), content: content, chunker: chunker).map(\.id)
    }

    func stored(_ content: String, at lsn: Int64, unsettled: Set<String> = []) -> [String: ChunkSetState] {
        [Self.documentId: ChunkSetState(documentId: Self.documentId, authorId: "ada-lovelace", contentHash: EventIDs.contentHash(content),
                                        chunker: ChunkingScheme.current.version, chunkIds: ids(content), unsettledIds: unsettled, position: ChangePosition(lsn: lsn, sequence: 0))]
    }

    @Test("an insert and an edit in one batch embed only the edit's chunks")
    func netEffect() throws {
        var planner = ChunkSetPlanner(chunker: chunker, stored: [:])
        try planner.apply(.upsert(Self.row("First words."), ChangePosition(lsn: 10, sequence: 0)))
        try planner.apply(.upsert(Self.row("Second words."), ChangePosition(lsn: 20, sequence: 0)))
        let plan = planner.finish()
        #expect(plan.embed.map(\.piece.id) == ids("Second words."))
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
        #expect(plan.embed.map(\.piece.id) == expectedEmbeds)
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

    @Test("a document stored under another chunking scheme is re-chunked though its content is unchanged, unless the change lacks its text")
    func schemeChange() throws {
        var plain = stored("Same words.", at: 5)
        plain[Self.documentId]!.chunker = ChunkingScheme(.plain).version
        plain[Self.documentId]!.chunkIds = ChunkingScheme(.plain).pieces(of: Self.row("Same words."), content: "Same words.", chunker: chunker).map(\.id)
        var planner = ChunkSetPlanner(chunker: chunker, stored: plain)
        try planner.apply(.upsert(Self.row("Same words."), ChangePosition(lsn: 6, sequence: 0)))
        let plan = planner.finish()
        #expect(plan.embed.map(\.piece.id) == ids("Same words."))
        #expect(plan.removed.map(\.event.chunkId) == plain[Self.documentId]!.chunkIds)
        #expect(plan.final.first?.chunker == ChunkingScheme.current.version)

        // An update that left a TOASTed text alone carries no content: nothing to re-chunk from.
        var withoutText = Self.row("Same words.")
        withoutText.content = nil
        var later = ChunkSetPlanner(chunker: chunker, stored: plain)
        try later.apply(.upsert(withoutText, ChangePosition(lsn: 6, sequence: 0)))
        #expect(later.finish().isEmpty)
    }

    @Test("the embedded text starts with a header naming source, path and section; the chunk text stays the document's own")
    func headers() throws {
        let content = "# Setup\n\nInstall with pip.\n\n## Training\n\nRun train.py with a learning rate of 6e-4.\n"
        let row = DocumentRow(documentId: Self.documentId, authorId: "karpathy", platform: .github, kind: .repositoryFile,
                              title: "docs/guide.md", url: "https://github.com/karpathy/nanoGPT/blob/abc123/docs/guide.md",
                              content: content, contentHash: EventIDs.contentHash(content), capturedAt: Date(timeIntervalSince1970: 0))
        let pieces = ChunkingScheme.current.pieces(of: row, content: content, chunker: chunker)
        #expect(!pieces.isEmpty)
        for piece in pieces {
            #expect(content.contains(piece.chunk.text))
            #expect(piece.source == "karpathy/nanoGPT")
            #expect(piece.embeddedText == "karpathy/nanoGPT · docs/guide.md · \(piece.section)\n" + piece.chunk.text)
            #expect(piece.id == Chunk.id(documentId: Self.documentId, text: piece.embeddedText))
        }
        #expect(pieces.first?.section.hasPrefix("Setup") == true)
        let plain = ChunkingScheme(.plain).pieces(of: row, content: content, chunker: chunker)
        #expect(plain.allSatisfy { $0.embeddedText == $0.chunk.text && $0.id == $0.chunk.id }, "the plain scheme embeds the text alone, with the old ids")
    }

    @Test("a document's source is owner/name for a repository, cloned or local, and the host (with a Medium @user) elsewhere")
    func sources() {
        #expect(ChunkingScheme.source(platform: .github, url: "https://github.com/huggingface/alignment-handbook/blob/925acdf/setup.cfg")
                == "huggingface/alignment-handbook")
        #expect(ChunkingScheme.source(platform: .github, url: "file:///work/repos/karpathy/minbpe/blob/1acefe8/minbpe/basic.py") == "karpathy/minbpe")
        #expect(ChunkingScheme.source(platform: .article, url: "https://www.example.com/posts/kafka") == "example.com")
        #expect(ChunkingScheme.source(platform: .medium, url: "https://medium.com/@ada/offsets-1a2b") == "medium.com/@ada")
        #expect(ChunkingScheme.source(platform: .linkedin, url: "not a url") == "")
    }
}
