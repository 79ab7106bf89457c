import Crypto
import Foundation

/// One piece of a document, sized for the embedder: its text, where it lies in the document, how
/// many embedder tokens it holds, and an id that depends only on the document and the text.
public struct Chunk: Sendable, Hashable, Codable {
    /// `Chunk.id(documentId:text:)`: the same document and text always give the same id, so
    /// re-chunking an unchanged document produces the same ids and downstream upserts are idempotent.
    public let id: String
    /// The document the chunk belongs to.
    public let documentId: String
    /// The chunk's position among the document's chunks, from 0.
    public let index: Int
    /// The chunk's text, a verbatim slice of the document.
    public let text: String
    /// Embedder word pieces in `text` (without `[CLS]` and `[SEP]`).
    public let tokenCount: Int
    /// Where `text` lies in the document, as UTF-8 byte offsets.
    public let utf8Range: Range<Int>
    /// The trail of the section the chunk lies in, outermost first (["Installation", "From
    /// source"], ["class Trainer", "def run(self)"]); empty for chunks cut without structure.
    /// Not part of the id: the text alone identifies a chunk within its document.
    public let trail: [String]

    public init(documentId: String, index: Int, text: String, tokenCount: Int, utf8Range: Range<Int>,
                trail: [String] = []) {
        self.id = Chunk.id(documentId: documentId, text: text)
        self.documentId = documentId
        self.index = index
        self.text = text
        self.tokenCount = tokenCount
        self.utf8Range = utf8Range
        self.trail = trail
    }

    /// The stable chunk id: lowercase hex SHA-256 of the UTF-8 of `documentId + "\n" + text`.
    /// The newline keeps ("ab", "c") and ("a", "bc") apart (a document id holds no newline).
    public static func id(documentId: String, text: String) -> String {
        SHA256.hash(data: Data((documentId + "\n" + text).utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
