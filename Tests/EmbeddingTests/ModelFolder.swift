import Foundation
import Testing
import TwinlogEmbedding
import TwinlogText

/// The real all-MiniLM-L6-v2 folder and what is loaded from it, shared by the tests.
/// A test that needs them fails, saying how to install the weights, when they are missing.
enum ModelFolder {
    static func url() throws -> URL {
        do {
            return try EmbedderModelLocator.locate()
        } catch {
            Issue.record("the embedding tests need the real model weights: \(error)")
            throw error
        }
    }

    static let tokenizer: Result<WordPieceTokenizer, any Error> = Result {
        try WordPieceTokenizer(vocabularyFile: url().appendingPathComponent("vocab.txt"))
    }

    /// Batches of 8, as the reference was computed, so several batches mix lengths.
    static let embedder: Result<Embedder, any Error> = Result {
        try Embedder(modelDirectory: url(), batchSize: 8)
    }
}
