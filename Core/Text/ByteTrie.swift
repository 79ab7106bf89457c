/// A trie over UTF-8 bytes that maps token strings to ids.
///
/// WordPiece needs "the longest vocabulary entry that starts here" at every position of a word;
/// walking a trie answers that in one pass, where a hash of substrings would try every length.
/// Keys are bytes, not `String`s, on purpose: Swift compares strings by canonical equivalence, so a
/// `[String: Int]` would match a decomposed Hangul syllable against its precomposed vocabulary
/// entry, which the reference tokenizer (byte-exact) never does.
struct ByteTrie: Sendable {
    /// The node every walk starts from.
    static let root: Int32 = 0

    /// Child links keyed by `parent << 8 | byte`.
    private var children: [Int64: Int32] = [:]
    /// The id stored at each node, or -1 when no token ends there.
    private var values: [Int32] = [-1]

    /// Adds `bytes` with `value`; a later insertion of the same key replaces the earlier one.
    mutating func insert(_ bytes: some Sequence<UInt8>, value: Int32) {
        var node = Self.root
        for byte in bytes {
            let key = Int64(node) << 8 | Int64(byte)
            if let next = children[key] {
                node = next
            } else {
                let next = Int32(values.count)
                values.append(-1)
                children[key] = next
                node = next
            }
        }
        values[Int(node)] = value
    }

    /// The node reached from `node` by `byte`, if any.
    @inline(__always)
    func child(of node: Int32, byte: UInt8) -> Int32? {
        children[Int64(node) << 8 | Int64(byte)]
    }

    /// The id of the token that ends exactly at `node`, if any.
    @inline(__always)
    func value(at node: Int32) -> Int32? {
        let value = values[Int(node)]
        return value >= 0 ? value : nil
    }

    /// The node reached by walking all of `bytes` from `start`, if the path exists.
    func walk(_ bytes: some Sequence<UInt8>, from start: Int32 = root) -> Int32? {
        var node = start
        for byte in bytes {
            guard let next = child(of: node, byte: byte) else { return nil }
            node = next
        }
        return node
    }
}
