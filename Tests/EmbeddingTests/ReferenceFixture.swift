import Foundation

/// `Fixtures/minilm_public.json`: texts with the reference's token ids and embeddings.
struct ReferenceFixture: Decodable {
    struct Item: Decodable {
        let name: String
        let textUTF8Hex: String
        let inputIDs: [Int]
        let tokens: [String]
        let numTokensUntruncated: Int
        let truncated: Bool
        let embedding: [Float]

        enum CodingKeys: String, CodingKey {
            case name, tokens, truncated, embedding
            case textUTF8Hex = "text_utf8_hex"
            case inputIDs = "input_ids"
            case numTokensUntruncated = "num_tokens_untruncated"
        }

        var text: String { decodeHex(textUTF8Hex) }
    }

    let items: [Item]

    /// The fixture shipped with the tests.
    static let shared: ReferenceFixture = load("minilm_public")
}

/// `Fixtures/wordpiece_cases.json`: strings that probe the reference tokenizer's Unicode tables, with its ids.
struct WordPieceCases: Decodable {
    struct Case: Decodable {
        let textUTF8Hex: String
        let inputIDs: [Int]

        enum CodingKeys: String, CodingKey {
            case textUTF8Hex = "text_utf8_hex"
            case inputIDs = "input_ids"
        }

        var text: String { decodeHex(textUTF8Hex) }
    }

    let cases: [Case]

    static let shared: WordPieceCases = load("wordpiece_cases")
}

/// Decodes a fixture shipped in `Fixtures/`.
private func load<T: Decodable>(_ name: String) -> T {
    let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")!
    return try! JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

/// The exact text from its UTF-8 hex (JSON strings cannot carry every scalar faithfully).
private func decodeHex(_ hex: String) -> String {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return String(decoding: bytes, as: UTF8.self)
}
