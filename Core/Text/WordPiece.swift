/// One word piece of a text: its vocabulary id and the part of the original text it came from.
public struct WordPiece: Sendable, Hashable {
    /// The vocabulary id.
    public let id: Int
    /// Where the piece's source characters lie, as UTF-8 byte offsets into the original text.
    /// Pieces of one word that came from one source character share that character's range.
    public let utf8Range: Range<Int>
    /// Whether this piece begins a word (cutting a text before it never splits a word).
    public let startsWord: Bool

    public init(id: Int, utf8Range: Range<Int>, startsWord: Bool) {
        self.id = id
        self.utf8Range = utf8Range
        self.startsWord = startsWord
    }
}
