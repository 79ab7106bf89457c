import Foundation

/// BERT uncased WordPiece tokenization, identical to the reference tokenizer of all-MiniLM-L6-v2
/// (Hugging Face tokenizers: `BertNormalizer`, `BertPreTokenizer`, `WordPiece`, `[CLS] … [SEP]`).
///
/// Guarantees: the same ids as the reference for every input string (see the test fixture's
/// edge cases); never fails on any text; `encode` returns at most `maxLength` ids.
public struct WordPieceTokenizer: Sendable {
    /// The longest word, in Unicode scalars, that WordPiece splits; longer words become `[UNK]`.
    public static let maxCharactersPerWord = 100

    /// The vocabulary the ids index.
    public let vocabulary: WordPieceVocabulary
    /// The most ids `encode` returns, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    /// `[CLS]`, which starts every encoded text.
    public let classifierID: Int
    /// `[SEP]`, which ends every encoded text.
    public let separatorID: Int
    /// `[PAD]`, which fills batches (the encoder never reads it: batches are packed).
    public let paddingID: Int
    /// `[UNK]`, for words WordPiece cannot split.
    public let unknownID: Int

    /// Special tokens matched literally (case-sensitive) in the raw text, as the reference does.
    private let literals: [(bytes: [UInt8], id: Int)]
    /// The trie node after `##`, where continuation pieces start.
    private let continuation: Int32?

    /// A tokenizer over `vocabulary`; it must hold `[CLS]`, `[SEP]`, `[PAD]` and `[UNK]`.
    public init(vocabulary: WordPieceVocabulary, maxLength: Int = 256) throws(VocabularyError) {
        func required(_ token: String) throws(VocabularyError) -> Int {
            guard let id = vocabulary.id(of: token) else {
                throw VocabularyError(source: "vocabulary", line: nil, reason: "has no \(token) token")
            }
            return id
        }
        guard maxLength >= 2 else {
            throw VocabularyError(source: "vocabulary", line: nil,
                                  reason: "cannot encode into \(maxLength) ids: [CLS] and [SEP] need 2")
        }
        self.vocabulary = vocabulary
        self.maxLength = maxLength
        classifierID = try required("[CLS]")
        separatorID = try required("[SEP]")
        paddingID = try required("[PAD]")
        unknownID = try required("[UNK]")
        literals = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in
            vocabulary.id(of: token).map { (Array(token.utf8), $0) }
        }
        continuation = vocabulary.trie.walk("##".utf8)
    }

    /// A tokenizer reading `vocab.txt` at `url`.
    public init(vocabularyFile url: URL, maxLength: Int = 256) throws(VocabularyError) {
        try self.init(vocabulary: WordPieceVocabulary(contentsOf: url), maxLength: maxLength)
    }

    /// The model's input ids: `[CLS]`, the first `maxLength - 2` pieces, `[SEP]`.
    /// Truncation cuts at piece level, as sentence-transformers does.
    public func encode(_ text: String) -> [Int] {
        var ids = [classifierID]
        ids.reserveCapacity(maxLength)
        ids.append(contentsOf: pieces(of: text, limit: maxLength - 2).lazy.map(\.id))
        ids.append(separatorID)
        return ids
    }

    /// The word pieces of `text` (no `[CLS]`/`[SEP]`), stopping after `limit` pieces.
    public func pieces(of text: String, limit: Int = .max) -> [WordPiece] {
        var run = Run(tokenizer: self, limit: limit)
        let utf8 = Array(text.utf8)
        var offset = 0
        var skipUntil = 0
        for scalar in text.unicodeScalars {
            let start = offset
            offset += UTF8.width(scalar)
            if start < skipUntil { continue }
            if run.isFull { break }
            if scalar == "[", let (length, id) = literal(in: utf8, at: start) {
                run.endWord()
                run.emitWhole(id: id, origin: start..<start + length)
                skipUntil = start + length
                continue
            }
            run.consume(scalar, origin: start..<offset)
        }
        run.endWord()
        return run.pieces.count > limit ? Array(run.pieces.prefix(limit)) : run.pieces
    }

    /// The special token spelled at `offset`, if any: its byte length and id.
    private func literal(in utf8: [UInt8], at offset: Int) -> (Int, Int)? {
        for (bytes, id) in literals where offset + bytes.count <= utf8.count {
            if utf8[offset..<offset + bytes.count].elementsEqual(bytes) { return (bytes.count, id) }
        }
        return nil
    }

    /// The state of one tokenization: the pieces so far and the word being built.
    private struct Run {
        let tokenizer: WordPieceTokenizer
        let limit: Int
        var pieces: [WordPiece] = []
        var word = WordBuffer()
        /// Piece boundaries of the current word as byte offsets into it, with their ids.
        var split: [(end: Int, id: Int32)] = []

        init(tokenizer: WordPieceTokenizer, limit: Int) {
            self.tokenizer = tokenizer
            self.limit = limit
        }

        var isFull: Bool { pieces.count >= limit }

        /// Normalizes one original scalar and feeds the result to the word splitter.
        mutating func consume(_ scalar: Unicode.Scalar, origin: Range<Int>) {
            let value = scalar.value
            if value < 0x80 {
                let byte = UInt8(value)
                switch byte {
                case 0x09, 0x0A, 0x0D, 0x20: endWord()
                case 0..<0x20, 0x7F: break
                case 0x41...0x5A: word.appendASCII(byte + 0x20, origin: origin)
                default:
                    if BertCharacters.isASCIIPunctuation(byte) {
                        endWord()
                        word.appendASCII(byte, origin: origin)
                        endWord()
                    } else {
                        word.appendASCII(byte, origin: origin)
                    }
                }
                return
            }
            if BertCharacters.isRemoved(scalar) { return }
            if BertCharacters.isWhitespace(scalar) {
                endWord()
                return
            }
            let isolated = BertCharacters.isCJK(scalar)
            if isolated { endWord() }
            BertCharacters.foldNonASCII(scalar) { folded in
                if BertCharacters.isPunctuation(folded) {
                    endWord()
                    word.append(folded, origin: origin)
                    endWord()
                } else {
                    word.append(folded, origin: origin)
                }
            }
            if isolated { endWord() }
        }

        /// Appends a piece that is a whole word by itself (a literal special token).
        mutating func emitWhole(id: Int, origin: Range<Int>) {
            pieces.append(WordPiece(id: id, utf8Range: origin, startsWord: true))
        }

        /// Splits the current word into pieces by greedy longest match, or `[UNK]` if it cannot.
        mutating func endWord() {
            guard !word.isEmpty else { return }
            defer { word.reset() }
            let bytes = word.bytes
            let whole = word.originStart[0]..<word.originEnd[bytes.count - 1]
            guard word.scalarCount <= WordPieceTokenizer.maxCharactersPerWord, greedySplit() else {
                pieces.append(WordPiece(id: tokenizer.unknownID, utf8Range: whole, startsWord: true))
                return
            }
            var start = 0
            for (end, id) in split {
                let range = word.originStart[start]..<word.originEnd[end - 1]
                pieces.append(WordPiece(id: Int(id), utf8Range: range, startsWord: start == 0))
                start = end
            }
        }

        /// Fills `split` with the longest vocabulary match at each position; false if one is missing.
        private mutating func greedySplit() -> Bool {
            split.removeAll(keepingCapacity: true)
            let trie = tokenizer.vocabulary.trie
            let bytes = word.bytes
            var start = 0
            while start < bytes.count {
                guard let first = start == 0 ? ByteTrie.root : tokenizer.continuation else { return false }
                var node = first
                var best: (end: Int, id: Int32)?
                var index = start
                while index < bytes.count, let next = trie.child(of: node, byte: bytes[index]) {
                    node = next
                    index += 1
                    if let id = trie.value(at: node) { best = (index, id) }
                }
                guard let match = best else { return false }
                split.append(match)
                start = match.end
            }
            return true
        }
    }
}
