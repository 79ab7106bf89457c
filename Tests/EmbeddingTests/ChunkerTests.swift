import Foundation
import Testing
import TwinlogText

@Suite("chunkers")
struct ChunkerTests {
    private func chunker() throws -> Chunker { Chunker(tokenizer: try ModelFolder.tokenizer.get()) }

    /// A document of real text: every reference text, as paragraphs.
    private var document: String { ReferenceFixture.shared.items.map(\.text).joined(separator: "\n\n") }

    /// `count` numbered sentences of the same shape.
    private func sentences(_ count: Int) -> [String] {
        (1...count).map { "Sentence number \($0) talks about embedding models and their chunks." }
    }

    @Test("a chunk id is the lowercase hex SHA-256 of the document id, a newline and the chunk text (as sha256sum computes it)")
    func chunkID() {
        #expect(Chunk.id(documentId: "doc-1", text: "Hello world.")
                == "a745a6541b6fb3ca4a2ad2ec1c12e15a277b6a0b56eea39342ebe39db887c08e")
        #expect(Chunk.id(documentId: "post:42", text: "東京は日本の首都です。")
                == "7ee7a52d23a21a2b686778cd513dd7e74a65770b35852250928d280c8262e729")
    }

    @Test("every chunk is a verbatim slice that re-tokenizes to its token count, within the window",
          arguments: [ChunkingPolicy.Segmentation.tokenWindows, .sentences, .lines])
    func chunksFitTheWindow(segmentation: ChunkingPolicy.Segmentation) throws {
        let chunker = try chunker()
        let text = document
        let policy = try ChunkingPolicy(segmentation: segmentation, windowTokens: 40, overlapTokens: 8)
        let chunks = chunker.chunks(of: text, documentId: "doc", policy: policy)
        #expect(chunks.count > 5)
        let utf8 = Array(text.utf8)
        for (index, chunk) in chunks.enumerated() {
            #expect(chunk.index == index)
            #expect(String(decoding: utf8[chunk.utf8Range], as: UTF8.self) == chunk.text)
            #expect((1...40).contains(chunk.tokenCount))
            #expect(chunker.tokenizer.pieces(of: chunk.text).count == chunk.tokenCount, "chunk \(index): \(chunk.text)")
        }
    }

    @Test("token windows without overlap cover every word piece exactly once, in order")
    func windowsCoverEverything() throws {
        let chunker = try chunker()
        let text = document
        // 100 pieces hold any word whole (a longer word is one [UNK]), so no cut falls inside one.
        let policy = try ChunkingPolicy(segmentation: .tokenWindows, windowTokens: 100, overlapTokens: 0)
        let chunks = chunker.chunks(of: text, documentId: "doc", policy: policy)
        let pieces = chunker.tokenizer.pieces(of: text)
        #expect(chunks.map(\.tokenCount).reduce(0, +) == pieces.count)
        #expect(chunks.flatMap { chunker.tokenizer.pieces(of: $0.text).map(\.id) } == pieces.map(\.id))
    }

    @Test("token windows with overlap start each chunk inside the previous one")
    func windowsOverlap() throws {
        let chunker = try chunker()
        let policy = try ChunkingPolicy(segmentation: .tokenWindows, windowTokens: 30, overlapTokens: 10)
        let chunks = chunker.chunks(of: document, documentId: "doc", policy: policy)
        for (previous, next) in zip(chunks, chunks.dropFirst()) {
            #expect(next.utf8Range.lowerBound > previous.utf8Range.lowerBound)
            #expect(next.utf8Range.lowerBound < previous.utf8Range.upperBound)
        }
    }

    @Test("sentence packing keeps sentences whole and fills chunks up to the window")
    func sentencesStayWhole() throws {
        let chunker = try chunker()
        let sentences = sentences(30)
        let perSentence = chunker.tokenizer.pieces(of: sentences[0]).count
        let policy = try ChunkingPolicy(segmentation: .sentences, windowTokens: 3 * perSentence + 1, overlapTokens: 0)
        let chunks = chunker.chunks(of: sentences.joined(separator: " "), documentId: "doc", policy: policy)
        #expect(chunks.map(\.text) == stride(from: 0, to: 30, by: 3).map { sentences[$0..<$0 + 3].joined(separator: " ") })
    }

    @Test("sentence packing carries whole trailing sentences up to the overlap into the next chunk")
    func sentenceOverlap() throws {
        let chunker = try chunker()
        let sentences = sentences(12)
        let perSentence = chunker.tokenizer.pieces(of: sentences[0]).count
        let policy = try ChunkingPolicy(segmentation: .sentences, windowTokens: 3 * perSentence,
                                        overlapTokens: perSentence)
        let chunks = chunker.chunks(of: sentences.joined(separator: " "), documentId: "doc", policy: policy)
        let expected = stride(from: 0, to: 10, by: 2).map { sentences[$0..<$0 + 3].joined(separator: " ") }
            + [sentences[10...].joined(separator: " ")]
        #expect(chunks.map(\.text) == expected)
    }

    @Test("a sentence longer than the window is split into windows, its neighbours stay whole")
    func longSentenceSplits() throws {
        let chunker = try chunker()
        let long = "Word " + Array(repeating: "word", count: 99).joined(separator: " ") + "."
        let text = "Short opening sentence. \(long) Short closing sentence."
        let policy = try ChunkingPolicy(segmentation: .sentences, windowTokens: 30, overlapTokens: 0)
        let chunks = chunker.chunks(of: text, documentId: "doc", policy: policy)
        #expect(chunks.first?.text == "Short opening sentence.")
        #expect(chunks.last?.text == "Short closing sentence.")
        #expect(chunks.dropFirst().dropLast().map(\.tokenCount) == [30, 30, 30, 11])
    }

    @Test("abbreviations, initials and decimals do not end a sentence; !, ?, …, 。 and blank lines do")
    func sentenceRules() {
        let text = """
            Dr. Smith met J. K. Rowling, e.g. at 3.5 p.m. in the U.S. today. Really?! Yes… "Quoted." \
            Done\n\nNext paragraph\n- a list item\n\n東京です。北京です。
            """
        let utf8 = Array(text.utf8)
        let sentences = TextSegmenter.sentences(of: text).map { String(decoding: utf8[$0], as: UTF8.self) }
        #expect(sentences == [
            "Dr. Smith met J. K. Rowling, e.g. at 3.5 p.m. in the U.S. today.", "Really?!", "Yes…", "\"Quoted.\"",
            "Done", "Next paragraph", "- a list item", "東京です。", "北京です。",
        ])
    }

    @Test("a lower-case or numeric continuation does not start a new sentence")
    func lowercaseContinuation() {
        let text = "Version 2. it continues. The value was 3. 4 items followed."
        let utf8 = Array(text.utf8)
        #expect(TextSegmenter.sentences(of: text).map { String(decoding: utf8[$0], as: UTF8.self) }
                == ["Version 2. it continues.", "The value was 3. 4 items followed."])
    }

    @Test("the number that opens a numbered list item is no sentence of its own")
    func numberedListItems() {
        let text = "The process has steps:\n1. **Base Model**: trained on text. It is big.\n  2. Tune it.\nWe counted 2. Then stopped."
        let utf8 = Array(text.utf8)
        #expect(TextSegmenter.sentences(of: text).map { String(decoding: utf8[$0], as: UTF8.self) }
                == ["The process has steps:", "1. **Base Model**: trained on text.", "It is big.", "2. Tune it.", "We counted 2.",
                    "Then stopped."])
    }

    @Test("repository files are packed by whole lines")
    func linesStayWhole() throws {
        let chunker = try chunker()
        let lines = (1...40).map { "let value\($0) = compute(input: \($0), scale: 2.5)" }
        let perLine = chunker.tokenizer.pieces(of: lines[0]).count
        let policy = try ChunkingPolicy(segmentation: .lines, windowTokens: 4 * perLine + 3, overlapTokens: 0)
        let chunks = chunker.chunks(of: lines.joined(separator: "\n"), documentId: "repo/file.swift", policy: policy)
        for chunk in chunks {
            let chunkLines = chunk.text.split(separator: "\n").map(String.init)
            #expect(chunkLines.allSatisfy { lines.contains($0) }, "\(chunk.text)")
        }
        #expect(chunks.flatMap { $0.text.split(separator: "\n").map(String.init) } == lines)
    }

    @Test("re-chunking the same document gives the same ids; editing one sentence changes only its chunk's id")
    func stableIDs() throws {
        let chunker = try chunker()
        var sentences = sentences(20)
        let policy = ChunkingPolicy.defaults(for: .article)
        let before = chunker.chunks(of: sentences.joined(separator: " "), documentId: "doc", policy: policy)
        let again = chunker.chunks(of: sentences.joined(separator: " "), documentId: "doc", policy: policy)
        #expect(before.map(\.id) == again.map(\.id))
        sentences[0] = sentences[0].replacingOccurrences(of: "models", with: "vectors")
        let after = chunker.chunks(of: sentences.joined(separator: " "), documentId: "doc", policy: policy)
        #expect(after.count == before.count)
        #expect(after.first?.id != before.first?.id)
        #expect(Array(after.dropFirst().map(\.id)) == Array(before.dropFirst().map(\.id)))
        let otherDocument = chunker.chunks(of: sentences.joined(separator: " "), documentId: "other", policy: policy)
        #expect(Set(otherDocument.map(\.id)).isDisjoint(with: after.map(\.id)))
    }

    @Test("empty and whitespace-only documents have no chunks")
    func emptyDocuments() throws {
        let chunker = try chunker()
        for kind in DocumentKind.allCases {
            #expect(chunker.chunks(of: "", documentId: "doc", kind: kind).isEmpty)
            #expect(chunker.chunks(of: " \n\t\u{200B} ", documentId: "doc", kind: kind).isEmpty)
        }
    }

    @Test("policies outside the embedder's window or with overlap ≥ window are rejected")
    func policyValidation() {
        #expect(throws: ChunkingPolicyError.self) { try ChunkingPolicy(segmentation: .sentences, windowTokens: 0, overlapTokens: 0) }
        #expect(throws: ChunkingPolicyError.self) { try ChunkingPolicy(segmentation: .sentences, windowTokens: 255, overlapTokens: 0) }
        #expect(throws: ChunkingPolicyError.self) { try ChunkingPolicy(segmentation: .lines, windowTokens: 64, overlapTokens: 64) }
        #expect(throws: Never.self) { try ChunkingPolicy(segmentation: .lines, windowTokens: 254, overlapTokens: 253) }
    }
}
