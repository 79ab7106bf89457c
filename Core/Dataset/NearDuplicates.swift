import TwinlogRuntime

/// Near-duplicate detection with MinHash over word shingles and locality-sensitive hashing.
///
/// Each text becomes the set of its word 3-shingles; 128 seeded hash functions give a signature
/// whose agreement rate estimates the Jaccard similarity of two sets (±0.04 at one standard error
/// near 0.85). Banding (32 bands of 4 rows) makes a pair with Jaccard 0.85 a candidate with
/// probability 1 − (1 − 0.85⁴)³² ≈ 1, and one with 0.3 almost never, so only candidates are
/// compared. Written here because no library in the project's set does MinHash.
public struct NearDuplicateDetector: Sendable {
    /// Texts at least this similar (estimated Jaccard of shingle sets) are duplicates.
    public var threshold: Double
    static let hashes = 128
    static let bands = 32
    static let shingleWords = 3

    public init(threshold: Double = 0.85) {
        self.threshold = threshold
    }

    /// For each text, whether it nearly duplicates an earlier one in the list (the first of a
    /// group is kept).
    public func duplicates(in texts: [String]) -> [Bool] {
        let signatures = texts.map(Self.signature)
        let rows = Self.hashes / Self.bands
        var buckets: [Int: [Int: [Int]]] = [:]
        var duplicate = [Bool](repeating: false, count: texts.count)
        for (i, signature) in signatures.enumerated() {
            guard let signature else { continue }
            var candidates = Set<Int>()
            var keys: [(band: Int, key: Int)] = []
            for band in 0..<Self.bands {
                var hasher = Hasher()
                for r in 0..<rows { hasher.combine(signature[band * rows + r]) }
                let key = hasher.finalize()
                keys.append((band, key))
                candidates.formUnion(buckets[band]?[key] ?? [])
            }
            if candidates.contains(where: { j in !duplicate[j] && Self.agreement(signature, signatures[j]!) >= threshold }) {
                duplicate[i] = true
                continue
            }
            for (band, key) in keys { buckets[band, default: [:]][key, default: []].append(i) }
        }
        return duplicate
    }

    /// The share of equal positions of two signatures (the Jaccard estimate).
    static func agreement(_ a: [UInt64], _ b: [UInt64]) -> Double {
        Double(zip(a, b).filter { $0 == $1 }.count) / Double(a.count)
    }

    /// The MinHash signature of a text's word shingles; nil for a text with no words.
    static func signature(_ text: String) -> [UInt64]? {
        let words = TextQuality.words(text.lowercased())
        guard !words.isEmpty else { return nil }
        let width = min(shingleWords, words.count)
        var shingles = Set<UInt64>()
        for start in 0...(words.count - width) {
            shingles.insert(stableHash(words[start..<(start + width)].joined(separator: " ")))
        }
        return (0..<hashes).map { h in
            let salt = UInt64(h + 1) &* 0x9E37_79B9_7F4A_7C15
            // One SplitMix64 step per salted shingle: an independent-looking hash function per h.
            return shingles.map { var mixer = SeededGenerator(seed: $0 ^ salt); return mixer.next() }.min()!
        }
    }

    /// FNV-1a over UTF-8: stable across processes (Swift's `Hasher` is seeded per process, which is
    /// fine for in-memory buckets but not for signatures).
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01B3
        }
        return hash
    }
}

/// Removes training samples that share a long word sequence with the evaluation split, so
/// held-out numbers measure generalization, not recall of a quoted passage. Sequences found in
/// many passages (an author's sign-off, a licence header, a template line) are boilerplate, not
/// leaked content, and do not count: without that, one signature would empty the training split.
public struct Decontaminator: Sendable {
    /// The length of the shared word sequence that counts as contamination (13, as in GPT-3's
    /// decontamination; shorter sequences match common phrases).
    public var ngram: Int
    /// A sequence in more than this share of all passages (and at least 3) is boilerplate.
    public var boilerplateShare: Double

    public init(ngram: Int = 13, boilerplateShare: Double = 0.1) {
        self.ngram = ngram
        self.boilerplateShare = boilerplateShare
    }

    /// For each of `texts`, whether it shares a non-boilerplate `ngram`-word sequence with any of `heldOut`.
    public func contaminated(_ texts: [String], heldOut: [String]) -> [Bool] {
        let trainGrams = texts.map(hashes), heldGrams = heldOut.map(hashes)
        var frequency: [UInt64: Int] = [:]
        for grams in trainGrams + heldGrams {
            for gram in grams { frequency[gram, default: 0] += 1 }
        }
        let limit = max(3, Int((boilerplateShare * Double(texts.count + heldOut.count)).rounded(.up)))
        var held = Set<UInt64>()
        for grams in heldGrams { held.formUnion(grams.filter { frequency[$0, default: 0] < limit }) }
        return trainGrams.map { !$0.isDisjoint(with: held) }
    }

    func hashes(_ text: String) -> Set<UInt64> {
        let words = TextQuality.words(text.lowercased())
        guard words.count >= ngram else { return [] }
        return Set((0...(words.count - ngram)).map { NearDuplicateDetector.stableHash(words[$0..<($0 + ngram)].joined(separator: " ")) })
    }
}
