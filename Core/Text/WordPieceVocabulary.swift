import Foundation

/// A BERT WordPiece vocabulary (`vocab.txt`): one token per line, the line number is the id.
///
/// Guarantees: ids are dense `0..<count`; lookups are byte-exact (see `ByteTrie`); a file that is
/// unreadable, not UTF-8 or empty is rejected with a `VocabularyError` naming the file and line.
public struct WordPieceVocabulary: Sendable {
    /// The token strings, indexed by id.
    public let tokens: [String]
    let trie: ByteTrie

    /// Reads a `vocab.txt` file.
    public init(contentsOf url: URL) throws(VocabularyError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw VocabularyError(source: url.path, line: nil, reason: "cannot be read (\(error.localizedDescription))")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw VocabularyError(source: url.path, line: nil, reason: "is not valid UTF-8")
        }
        try self.init(lines: text, source: url.path)
    }

    /// Parses the text of a `vocab.txt` file; `source` names it in errors.
    public init(lines text: String, source: String) throws(VocabularyError) {
        // The reference reader trims trailing whitespace from each line and lets a later duplicate win;
        // a final newline does not start another token.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var tokens: [String] = []
        tokens.reserveCapacity(lines.count)
        var trie = ByteTrie()
        for (index, line) in lines.enumerated() {
            var token = Substring(line)
            while let last = token.unicodeScalars.last, last.properties.isWhitespace {
                token = Substring(token.unicodeScalars.dropLast())
            }
            guard !token.isEmpty else {
                throw VocabularyError(source: source, line: index + 1, reason: "holds an empty token")
            }
            tokens.append(String(token))
            trie.insert(token.utf8, value: Int32(index))
        }
        guard !tokens.isEmpty else {
            throw VocabularyError(source: source, line: nil, reason: "holds no tokens")
        }
        self.tokens = tokens
        self.trie = trie
    }

    /// The number of tokens.
    public var count: Int { tokens.count }

    /// The id of `token`, compared byte for byte.
    public func id(of token: String) -> Int? {
        guard let node = trie.walk(token.utf8), let value = trie.value(at: node) else { return nil }
        return Int(value)
    }

    /// The token string of `id`, if it is in range.
    public func token(for id: Int) -> String? {
        tokens.indices.contains(id) ? tokens[id] : nil
    }
}

/// Why a vocabulary could not be used: the file (and line, when one is to blame) and what was wrong.
public struct VocabularyError: Error, CustomStringConvertible, Equatable {
    /// The file or other source the vocabulary came from.
    public let source: String
    /// The 1-based line at fault, if one is.
    public let line: Int?
    /// What was wrong.
    public let reason: String

    public var description: String {
        let place = line.map { "\(source):\($0)" } ?? source
        return "vocabulary \(place) \(reason)"
    }
}
