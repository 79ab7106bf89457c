import Foundation

/// An Okapi BM25 inverted index over the text of every live point, addressed by the same slots as
/// the vector graph and kept in step with it under the index lock: an upsert re-indexes the slot,
/// a delete removes it, a snapshot load rebuilds it from the payloads. Statistics (document
/// count, document frequencies, mean length) always describe exactly the live points, so the
/// index kept incrementally scores like one rebuilt from scratch.
///
/// Layout: per term, parallel arrays of slots and term counts (postings, unordered); per slot,
/// its distinct term ids sorted with their counts, which removal and candidate scoring read.
/// About 12 bytes per distinct (chunk, term) pair plus the term dictionary.
final class LexicalIndex {
    /// BM25's term-frequency saturation and length normalization.
    static let k1 = 1.2
    static let b = 0.75

    private var termIds: [String: Int32] = [:]
    /// The term of each id; nil for an id on the free list (a term no live slot holds any more,
    /// forgotten so that erased texts leave no vocabulary behind).
    private var termStrings: [String?] = []
    private var freeTermIds: [Int32] = []
    private var postingSlots: [[Int32]] = []
    private var postingCounts: [[UInt16]] = []
    private var slotTerms: [[Int32]] = []
    private var slotCounts: [[UInt16]] = []
    private var slotLengths: [Int32] = []
    private var liveCount = 0
    private var totalLength = 0

    /// Indexes the fields at `slot`, replacing what the slot held: each occurrence of a term in a
    /// field counts the field's weight, in the term's frequency and in the slot's length.
    func set(_ slot: Int32, fields: [(text: String, weight: Int)]) {
        remove(slot)
        let index = Int(slot)
        while slotLengths.count <= index {
            slotTerms.append([])
            slotCounts.append([])
            slotLengths.append(0)
        }
        var counts: [Int32: Int] = [:]
        var length = 0
        for (text, weight) in fields {
            for term in LexicalTerms.terms(text) {
                counts[intern(term), default: 0] += weight
                length += weight
            }
        }
        let sorted = counts.keys.sorted()
        slotTerms[index] = sorted
        slotCounts[index] = sorted.map { UInt16(min(counts[$0]!, Int(UInt16.max))) }
        slotLengths[index] = Int32(clamping: max(length, 1))
        for (term, count) in zip(sorted, slotCounts[index]) {
            postingSlots[Int(term)].append(slot)
            postingCounts[Int(term)].append(count)
        }
        liveCount += 1
        totalLength += Int(slotLengths[index])
    }

    /// Removes the slot's text, if it holds any.
    func remove(_ slot: Int32) {
        let index = Int(slot)
        guard index < slotLengths.count, slotLengths[index] > 0 else { return }
        for term in slotTerms[index] {
            let position = postingSlots[Int(term)].firstIndex(of: slot)!
            postingSlots[Int(term)].swapAt(position, postingSlots[Int(term)].count - 1)
            postingSlots[Int(term)].removeLast()
            postingCounts[Int(term)].swapAt(position, postingCounts[Int(term)].count - 1)
            postingCounts[Int(term)].removeLast()
            if postingSlots[Int(term)].isEmpty, let string = termStrings[Int(term)] {
                termIds[string] = nil
                termStrings[Int(term)] = nil
                freeTermIds.append(term)
            }
        }
        liveCount -= 1
        totalLength -= Int(slotLengths[index])
        slotTerms[index] = []
        slotCounts[index] = []
        slotLengths[index] = 0
    }

    /// The query's distinct known terms with their inverse document frequencies, in query order.
    func weightedTerms(_ query: String) -> [(term: Int32, idf: Double)] {
        var seen = Set<Int32>()
        var result: [(Int32, Double)] = []
        let count = Double(liveCount)
        for term in LexicalTerms.terms(query) {
            guard let id = termIds[term], seen.insert(id).inserted else { continue }
            let frequency = Double(postingSlots[Int(id)].count)
            result.append((id, log(1 + (count - frequency + 0.5) / (frequency + 0.5))))
        }
        return result
    }

    /// The `k` best-scoring slots that `admits` lets through, with their BM25 scores, best first;
    /// equal scores are ordered by `key`, so the order does not depend on slot assignment.
    func search(_ query: String, k: Int, admits: (Int32) -> Bool, key: (Int32) -> String) -> [(slot: Int32, score: Double)] {
        let weighted = weightedTerms(query)
        guard !weighted.isEmpty, k > 0 else { return [] }
        var scores = [Double](repeating: 0, count: slotLengths.count)
        var touched: [Int32] = []
        let averageLength = averageLength
        for (term, idf) in weighted {
            let slots = postingSlots[Int(term)], counts = postingCounts[Int(term)]
            for position in slots.indices {
                let slot = slots[position]
                if scores[Int(slot)] == 0 {
                    guard admits(slot) else { continue }
                    touched.append(slot)
                }
                scores[Int(slot)] += idf * saturation(Double(counts[position]), length: Double(slotLengths[Int(slot)]),
                                                      averageLength: averageLength)
            }
        }
        // The k-th best score bounds what can make the cut; only those are sorted with their keys.
        var best: [Double] = []
        for slot in touched {
            let score = scores[Int(slot)]
            if best.count < k {
                best.insert(score, at: best.firstIndex { $0 < score } ?? best.count)
            } else if score > best[k - 1] {
                best.removeLast()
                best.insert(score, at: best.firstIndex { $0 < score } ?? best.count)
            }
        }
        guard let threshold = best.last else { return [] }
        return touched.filter { scores[Int($0)] >= threshold }
            .map { (slot: $0, score: scores[Int($0)], key: key($0)) }
            .sorted { ($0.score, $1.key) > ($1.score, $0.key) }
            .prefix(k).map { (slot: $0.slot, score: $0.score) }
    }

    /// The BM25 score of the text at `slot` for the query's weighted terms (0 for an empty slot).
    func score(_ slot: Int32, weighted: [(term: Int32, idf: Double)]) -> Double {
        let index = Int(slot)
        guard index < slotLengths.count, slotLengths[index] > 0 else { return 0 }
        let terms = slotTerms[index], counts = slotCounts[index]
        let averageLength = averageLength
        var total = 0.0
        for (term, idf) in weighted {
            guard let position = binarySearch(terms, term) else { continue }
            total += idf * saturation(Double(counts[position]), length: Double(slotLengths[index]), averageLength: averageLength)
        }
        return total
    }

    /// Bytes held by postings, per-slot term lists and the dictionary's keys (an estimate that
    /// leaves out collection headers).
    var memoryBytes: Int {
        let pairs = postingSlots.reduce(0) { $0 + $1.capacity * 4 } + postingCounts.reduce(0) { $0 + $1.capacity * 2 }
        let perSlot = slotTerms.reduce(0) { $0 + $1.capacity * 4 } + slotCounts.reduce(0) { $0 + $1.capacity * 2 } + slotLengths.count * 4
        let dictionary = termIds.keys.reduce(0) { $0 + 2 * ($1.utf8.count + 16) }
        return pairs + perSlot + dictionary
    }

    private var averageLength: Double { liveCount == 0 ? 1 : Double(totalLength) / Double(liveCount) }

    private func saturation(_ frequency: Double, length: Double, averageLength: Double) -> Double {
        frequency * (Self.k1 + 1) / (frequency + Self.k1 * (1 - Self.b + Self.b * length / averageLength))
    }

    /// Every term some live slot holds, sorted.
    var vocabulary: [String] { termIds.keys.sorted() }

    private func intern(_ term: String) -> Int32 {
        if let id = termIds[term] { return id }
        let id: Int32
        if let free = freeTermIds.popLast() {
            id = free
            termStrings[Int(id)] = term
        } else {
            id = Int32(postingSlots.count)
            termStrings.append(term)
            postingSlots.append([])
            postingCounts.append([])
        }
        termIds[term] = id
        return id
    }

    private func binarySearch(_ sorted: [Int32], _ value: Int32) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == value ? low : nil
    }
}
