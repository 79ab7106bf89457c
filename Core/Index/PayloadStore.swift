import Foundation

/// Keys, payloads and the inverted indexes that filters run on, all addressed by slot.
///
/// Each filterable field value is interned to an Int32 code, so testing a point against a filter
/// during a graph walk reads four integers instead of comparing strings; per-code posting sets give
/// the planner an exact count of the points a filter can match.
final class PayloadStore {
    private(set) var keys: [String?] = []
    private(set) var payloads: [ChunkPayload?] = []
    private(set) var slotOfKey: [String: Int32] = [:]
    /// `PayloadField.allCases.count` codes per slot; -1 for slots without a payload. Read on every
    /// step of a filtered walk, always under the index lock, so without exclusivity checks.
    @exclusivity(unchecked) private(set) var codes: [Int32] = []
    /// The document date of each slot in seconds since 1970; NaN for slots without one.
    @exclusivity(unchecked) private(set) var dates: [Double] = []
    private var codeOfValue = [[String: Int32]](repeating: [:], count: PayloadField.allCases.count)
    private var postings = [[Set<Int32>]](repeating: [], count: PayloadField.allCases.count)

    static let fieldCount = PayloadField.allCases.count

    func slot(for key: String) -> Int32? { slotOfKey[key] }

    /// Stores a payload under a key at a slot, replacing whatever the slot held.
    func assign(_ slot: Int32, key: String, payload: ChunkPayload) {
        let index = Int(slot)
        while keys.count <= index {
            keys.append(nil)
            payloads.append(nil)
            codes.append(contentsOf: repeatElement(-1, count: Self.fieldCount))
            dates.append(.nan)
        }
        remove(slot)
        keys[index] = key
        payloads[index] = payload
        slotOfKey[key] = slot
        dates[index] = payload.documentDate?.timeIntervalSince1970 ?? .nan
        for field in PayloadField.allCases {
            let code = intern(field.value(of: payload), field: field)
            codes[index * Self.fieldCount + field.rawValue] = code
            postings[field.rawValue][Int(code)].insert(slot)
        }
    }

    /// Forgets the key and payload at a slot, if any.
    func remove(_ slot: Int32) {
        let index = Int(slot)
        guard index < keys.count, let key = keys[index] else { return }
        slotOfKey[key] = nil
        keys[index] = nil
        payloads[index] = nil
        dates[index] = .nan
        for field in PayloadField.allCases {
            let code = codes[index * Self.fieldCount + field.rawValue]
            postings[field.rawValue][Int(code)].remove(slot)
            codes[index * Self.fieldCount + field.rawValue] = -1
        }
    }

    /// How many distinct values of a field some live point carries.
    func distinctValues(_ field: PayloadField) -> Int {
        postings[field.rawValue].count(where: { !$0.isEmpty })
    }

    /// The values of a field that some live point carries.
    func liveValues(_ field: PayloadField) -> [String] {
        codeOfValue[field.rawValue].compactMap { value, code in postings[field.rawValue][Int(code)].isEmpty ? nil : value }
    }

    /// Resolves a filter's values to codes and its time range to the slots inside it. Returns nil
    /// for the unconstrained filter.
    func compile(_ filter: SearchFilter) -> CompiledFilter? {
        guard !filter.isEmpty else { return nil }
        var fields: [CompiledFilter.Condition] = []
        for (field, values) in filter.constraints {
            let known = Set(values.compactMap { codeOfValue[field.rawValue][$0] })
            let postingSizes = known.reduce(0) { $0 + postings[field.rawValue][Int($1)].count }
            fields.append(.init(field: field.rawValue, codes: known, upperBound: postingSizes))
        }
        let dated = filter.dates.map { range in
            let lower = range.lowerBound.timeIntervalSince1970, upper = range.upperBound.timeIntervalSince1970
            // Dates have no postings: one pass over the dense array finds the slots in range (NaN fails both tests).
            let slots = dates.indices.filter { dates[$0] >= lower && dates[$0] < upper }.map { Int32($0) }
            return CompiledFilter.DateRange(lower: lower, upper: upper, slots: slots)
        }
        return CompiledFilter(conditions: fields, dateRange: dated, store: self)
    }

    /// The slots that carry one of the codes of a condition; the planner scans these when few.
    func slots(matching condition: CompiledFilter.Condition) -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(condition.upperBound)
        for code in condition.codes { result.append(contentsOf: postings[condition.field][Int(code)]) }
        return result
    }

    private func intern(_ value: String, field: PayloadField) -> Int32 {
        if let code = codeOfValue[field.rawValue][value] { return code }
        let code = Int32(postings[field.rawValue].count)
        codeOfValue[field.rawValue][value] = code
        postings[field.rawValue].append([])
        return code
    }
}

/// A filter resolved against one store: per constrained field the admitted value codes and an
/// exact count of the live points carrying any of them, and for a time range the slots inside it.
/// The smallest of these counts bounds the conjunction from above; the planner starts from it.
final class CompiledFilter {
    struct Condition {
        let field: Int
        let codes: Set<Int32>
        let upperBound: Int
    }

    /// A time range in seconds since 1970 (lower inclusive, upper exclusive) and the live slots
    /// whose document date lies in it.
    struct DateRange {
        let lower: Double
        let upper: Double
        let slots: [Int32]
    }

    let conditions: [Condition]
    let dateRange: DateRange?
    private let store: PayloadStore

    init(conditions: [Condition], dateRange: DateRange?, store: PayloadStore) {
        self.conditions = conditions
        self.dateRange = dateRange
        self.store = store
    }

    /// How many conditions the filter tests (the time range counts as one).
    var conditionCount: Int { conditions.count + (dateRange == nil ? 0 : 1) }

    /// The fewest live points a single condition admits: an upper bound on the matches.
    var upperBound: Int {
        let postings = conditions.map(\.upperBound).min() ?? Int.max
        return min(postings, dateRange?.slots.count ?? Int.max)
    }

    /// The slots the most selective condition admits, a superset of the matches.
    func candidateSlots() -> [Int32] {
        let condition = conditions.min { $0.upperBound < $1.upperBound }
        if let dateRange, dateRange.slots.count <= condition?.upperBound ?? Int.max { return dateRange.slots }
        return store.slots(matching: condition!)
    }

    func admits(_ slot: Int32) -> Bool {
        let base = Int(slot) * PayloadStore.fieldCount
        for condition in conditions where !condition.codes.contains(store.codes[base + condition.field]) {
            return false
        }
        if let dateRange {
            let date = store.dates[Int(slot)]
            return date >= dateRange.lower && date < dateRange.upper
        }
        return true
    }
}
