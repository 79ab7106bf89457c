import Foundation
import Testing
import TwinlogIndex

/// Filtered search: results always honour the filter, on both plans (exact scan and graph walk).
@Suite("Filtered search")
struct FilterTests {
    static let dimension = 32
    /// 4,000 points and a threshold of 300: a filter matching one author (≈ 570 points) walks the
    /// graph, one matching a few documents (10 points each) is scanned exactly.
    static let index: VectorIndex = {
        let vectors = TestVectors.random(count: 4_000, dimension: dimension, seed: 11)
        return try! TestVectors.build(vectors, configuration: IndexConfiguration(
            dimension: dimension, m: 12, efConstruction: 80, efSearch: 64, exactSearchThreshold: 300))
    }()
    static let queries = TestVectors.random(count: 60, dimension: dimension, seed: 12)

    static let filters: [SearchFilter] = [
        SearchFilter(authorIds: ["author-3"]),
        SearchFilter(authorIds: ["author-1", "author-2"], platforms: ["medium"]),
        SearchFilter(platforms: ["github"], kinds: ["code"]),
        SearchFilter(documentIds: ["doc-7", "doc-123", "doc-399"]),
        SearchFilter(authorIds: ["author-0"], kinds: ["prose"], documentIds: ["doc-14", "doc-21", "doc-28"]),
        SearchFilter(kinds: ["prose"]),
        SearchFilter(dates: days(500..<3_000)),
        SearchFilter(dates: days(1_000..<1_100)),
        SearchFilter(authorIds: ["author-2"], dates: days(0..<2_000)),
    ]

    /// Document dates from day `range.lowerBound` to day `range.upperBound` of the test rows.
    static func days(_ range: Range<Int>) -> Range<Date> {
        Date(timeIntervalSince1970: 1_577_836_800 + Double(range.lowerBound) * 86_400)
            ..< Date(timeIntervalSince1970: 1_577_836_800 + Double(range.upperBound) * 86_400)
    }

    @Test("every hit of every filtered search passes the filter", arguments: filters)
    func filtersAreHonoured(filter: SearchFilter) throws {
        for query in Self.queries {
            let hits = try Self.index.search(query, k: 10, filter: filter)
            #expect(!hits.isEmpty)
            for hit in hits {
                #expect(filter.matches(hit.payload), "\(hit.key) does not pass \(filter)")
                #expect(Self.index.payload(for: hit.key) == hit.payload)
            }
        }
    }

    @Test("a walk under a broad filter finds the filtered nearest neighbours (recall@10 ≥ 0.9)")
    func filteredWalkRecall() throws {
        let filter = SearchFilter(authorIds: ["author-3"])
        var found = 0
        for query in Self.queries {
            let exact = Set(try Self.index.exactSearch(query, k: 10, filter: filter).map(\.key))
            let hits = try Self.index.search(query, k: 10, filter: filter, efSearch: 64)
            found += hits.count { exact.contains($0.key) }
        }
        let recall = Double(found) / Double(10 * Self.queries.count)
        #expect(recall >= 0.9, "filtered recall@10 was \(recall)")
    }

    @Test("a selective filter is answered by the exact plan: the same hits as exact search")
    func selectiveFilterIsExact() throws {
        let filter = SearchFilter(documentIds: ["doc-5", "doc-77"])
        for query in Self.queries {
            let hits = try Self.index.search(query, k: 5, filter: filter, efSearch: 1)
            let exact = try Self.index.exactSearch(query, k: 5, filter: filter)
            #expect(hits.map(\.key) == exact.map(\.key))
        }
    }

    @Test("broad conditions that together match few points are answered exactly")
    func narrowConjunction() throws {
        // About 570 points per author and 1,330 per platform, but only about 190 with both.
        let filter = SearchFilter(authorIds: ["author-1"], platforms: ["github"])
        for query in Self.queries.prefix(20) {
            let hits = try Self.index.search(query, k: 10, filter: filter, efSearch: 1)
            #expect(hits.map(\.key) == (try Self.index.exactSearch(query, k: 10, filter: filter)).map(\.key))
        }
    }

    @Test("a time range keeps exactly the dated points inside it, on the exact plan and on the walk")
    func timeRanges() throws {
        // 100 days hold 92 dated rows (every 13th row has no date): answered exactly.
        let narrow = SearchFilter(dates: Self.days(1_000..<1_100))
        for query in Self.queries.prefix(10) {
            let hits = try Self.index.search(query, k: 200, filter: narrow, efSearch: 1)
            let expected = (1_000..<1_100).filter { $0 % 13 != 0 }.map(TestVectors.key)
            #expect(Set(hits.map(\.key)) == Set(expected))
        }
        // Half the rows: a walk, whose hits all lie in the range and carry a date.
        let broad = SearchFilter(dates: Self.days(0..<2_000))
        for query in Self.queries.prefix(10) {
            for hit in try Self.index.search(query, k: 10, filter: broad) {
                let row = Int(hit.key.dropFirst("chunk-".count))!
                #expect(row < 2_000 && row % 13 != 0, "\(hit.key) is outside the range or undated")
            }
        }
        #expect(!SearchFilter(dates: Self.days(0..<4_000)).matches(TestVectors.payload(13)))
        #expect(try Self.index.search(Self.queries[0], k: 10, filter: SearchFilter(dates: Self.days(5_000..<6_000))).isEmpty)
    }

    @Test("a filter no point passes returns nothing")
    func unmatchableFilters() throws {
        let query = Self.queries[0]
        #expect(try Self.index.search(query, k: 10, filter: SearchFilter(authorIds: ["nobody"])).isEmpty)
        #expect(try Self.index.search(query, k: 10, filter: SearchFilter(platforms: [])).isEmpty)
        #expect(try Self.index.search(query, k: 10, filter: SearchFilter(
            kinds: ["no-such-kind"], documentIds: ["doc-1"])).isEmpty)
    }

    @Test("a filter with fewer matches than k returns all of them")
    func fewerMatchesThanK() throws {
        let hits = try Self.index.search(Self.queries[1], k: 50, filter: SearchFilter(documentIds: ["doc-42"]))
        #expect(Set(hits.map(\.key)) == Set((420..<430).map(TestVectors.key)))
    }
}
