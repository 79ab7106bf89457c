import Foundation
import Testing
import TwinlogTestSupport
import TwinlogText

@Suite("WordPiece tokenizer")
struct TokenizerTests {
    @Test("every reference text gets exactly the reference's token ids", arguments: ReferenceFixture.shared.items.map(\.name))
    func matchesReference(name: String) throws {
        let tokenizer = try ModelFolder.tokenizer.get()
        let item = try #require(ReferenceFixture.shared.items.first { $0.name == name })
        #expect(tokenizer.encode(item.text) == item.inputIDs)
    }

    @Test("the untruncated piece count matches the reference's untruncated length")
    func untruncatedLength() throws {
        let tokenizer = try ModelFolder.tokenizer.get()
        for item in ReferenceFixture.shared.items {
            #expect(tokenizer.pieces(of: item.text).count + 2 == item.numTokensUntruncated, "\(item.name)")
        }
    }

    @Test("strings probing Unicode tables (changed categories, post-8.0 scalars, unassigned, CJK edges) get the reference's ids")
    func unicodeProbes() throws {
        let tokenizer = try ModelFolder.tokenizer.get()
        for (index, probe) in WordPieceCases.shared.cases.enumerated() {
            #expect(tokenizer.encode(probe.text) == probe.inputIDs, "case \(index): \(probe.textUTF8Hex)")
        }
    }

    @Test("each piece points back at the original characters it came from")
    func pieceOffsets() throws {
        let tokenizer = try ModelFolder.tokenizer.get()
        let text = "  Café\u{200B}Crème, DON'T [SEP]"
        let utf8 = Array(text.utf8)
        let pieces = tokenizer.pieces(of: text)
        #expect(pieces.count >= 7)
        for piece in pieces {
            let source = String(decoding: utf8[piece.utf8Range], as: UTF8.self)
            let token = try #require(tokenizer.vocabulary.token(for: piece.id))
            if token == "[SEP]" {
                #expect(source == "[SEP]")
            } else {
                let folded = source.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
                #expect(folded == token.replacingOccurrences(of: "##", with: ""), "\(source) → \(token)")
                #expect(piece.startsWord == !token.hasPrefix("##"))
            }
        }
    }

    @Test("truncation keeps [CLS], the first maxLength − 2 pieces and [SEP]")
    func truncation() throws {
        let tokenizer = try ModelFolder.tokenizer.get()
        let text = String(repeating: "hello ", count: 300)
        let ids = tokenizer.encode(text)
        #expect(ids.count == 256)
        #expect(ids.first == tokenizer.classifierID && ids.last == tokenizer.separatorID)
        #expect(tokenizer.pieces(of: text).count == 300)
    }

    @Test("a vocabulary file that is empty, not UTF-8 or lacks [CLS] is rejected with its path")
    func badVocabulary() throws {
        let folder = URL(fileURLWithPath: temporaryPath("vocab"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases: [(String, Data, String)] = [
            ("empty.txt", Data(), "holds no tokens"),
            ("latin1.txt", Data([0x63, 0x61, 0x66, 0xE9, 0x0A]), "is not valid UTF-8"),
            ("blank-line.txt", Data("[PAD]\n\n[UNK]\n".utf8), "holds an empty token"),
            ("no-cls.txt", Data("[PAD]\n[UNK]\n[SEP]\nhello\n".utf8), "has no [CLS] token"),
        ]
        for (name, contents, reason) in cases {
            let url = folder.appendingPathComponent(name)
            try contents.write(to: url)
            #expect {
                _ = try WordPieceTokenizer(vocabularyFile: url)
            } throws: { error in
                let message = "\(error)"
                return message.contains(reason) && (reason.hasPrefix("has no") || message.contains(name))
            }
        }
        #expect(throws: VocabularyError.self) {
            _ = try WordPieceTokenizer(vocabularyFile: folder.appendingPathComponent("missing.txt"))
        }
    }
}
