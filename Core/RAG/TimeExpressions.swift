import Foundation

/// Reads a publication time range from a question's words, by rules: "in 2023", "in March 2023",
/// "from 2023", "since 2022", "after May 2024", "before 2021", "between 2021 and 2023", "from 2021 to 2023",
/// "last year", "this month", "the past 3 months", "today", "yesterday". Calendar units are UTC.
/// "Last year" is the previous calendar year; "the past year" the 365 days before `now`.
///
/// A year in a question is as often its subject ("the 2001 bushfires", "the 2000-01 year") as its
/// date, and a wrong filter hides the answer, so an expression only counts when it is attached to a
/// publishing word — a verb (wrote, posted, published, reported, …), a kind of text (post,
/// article, docs, …) or a platform — right before or after it, articles and possessives skipped:
/// "posted in 2023", "a 2023 post", "on Medium in 2022", "the docs written before 2022". A month
/// name needs its year ("May" alone is a verb).
public struct TimeExpressions: Sendable {
    /// The instant relative expressions count from.
    public var now: Date

    public init(now: Date) { self.now = now }

    /// A range read from the words, and the indices of the words that only stated it.
    public struct Reading: Sendable, Equatable {
        public var dates: Range<Date>
        public var consumed: Set<Int>
    }

    static let publishingWords: Set<String> = [
        "write", "wrote", "written", "writing", "writes", "post", "posted", "posts", "posting", "publish", "published",
        "article", "articles", "blog", "blogged", "piece", "pieces", "essay", "essays", "share", "shared", "say", "said",
        "says", "mention", "mentioned", "note", "notes", "readme", "readmes", "commit", "committed", "report", "reported",
        "reports", "reporting", "docs", "documentation", "linkedin", "medium", "github", "repository", "repo",
    ]
    /// Words skipped when looking for the publishing word next to an expression.
    static let fillers: Set<String> = ["a", "an", "the", "her", "his", "their", "its", "my", "our", "your", "some", "any"]
    static let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                         "november", "december"]
    static let units: [String: Calendar.Component] = [
        "day": .day, "days": .day, "week": .weekOfYear, "weeks": .weekOfYear, "month": .month, "months": .month,
        "year": .year, "years": .year,
    ]
    static let numberWords = ["one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                              "nine": 9, "ten": 10, "twelve": 12]

    /// The Gregorian calendar in UTC, built once.
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
    private var calendar: Calendar { Self.calendar }

    /// The first time range the words state next to a publishing word (see the type's note).
    public func read(_ words: [String]) -> Reading? {
        for start in words.indices {
            if let reading = readRange(words, at: start), Self.isAttached(reading.consumed, in: words) { return reading }
        }
        return nil
    }

    /// Whether the nearest word before or after the expression, past fillers, is a publishing word.
    static func isAttached(_ expression: Set<Int>, in words: [String]) -> Bool {
        guard let first = expression.min(), let last = expression.max() else { return false }
        var before = first - 1
        while before >= 0, fillers.contains(words[before]) { before -= 1 }
        var after = last + 1
        while after < words.count, fillers.contains(words[after]) { after += 1 }
        return (before >= 0 && publishingWords.contains(words[before])) || (after < words.count && publishingWords.contains(words[after]))
    }

    private func readRange(_ words: [String], at start: Int) -> Reading? {
        let word = words[start]
        switch word {
        case "between", "from":
            guard let first = period(words, at: start + 1) else { break }
            let joiner = first.next
            if joiner < words.count, ["and", "to", "until", "through", "till"].contains(words[joiner]),
               let second = period(words, at: joiner + 1), first.range.lowerBound < second.range.upperBound {
                return Reading(dates: first.range.lowerBound..<second.range.upperBound, consumed: Set(start..<second.next))
            }
            // "posts from 2023" are posts of 2023.
            if word == "from" { return Reading(dates: first.range, consumed: Set(start..<first.next)) }
        case "since", "after":
            guard let period = period(words, at: start + 1) else { break }
            let lower = word == "since" ? period.range.lowerBound : period.range.upperBound
            return Reading(dates: lower..<Date.distantFuture, consumed: Set(start..<period.next))
        case "before", "until", "till":
            guard let period = period(words, at: start + 1) else { break }
            let upper = word == "before" ? period.range.lowerBound : period.range.upperBound
            return Reading(dates: Date.distantPast..<upper, consumed: Set(start..<period.next))
        case "in", "during", "of":
            if let period = period(words, at: start + 1) { return Reading(dates: period.range, consumed: Set(start..<period.next)) }
        default:
            break
        }
        if let relative = relative(words, at: start) { return relative }
        // A bare period ("her 2023 posts"): the words after a preposition were tried above.
        if start == 0 || !["in", "during", "of", "since", "after", "before", "until", "till", "between", "from", "and", "to"].contains(words[start - 1]),
           let period = period(words, at: start) {
            return Reading(dates: period.range, consumed: Set(start..<period.next))
        }
        return nil
    }

    /// A calendar year or a month of a year at `start`: its range and the index after it.
    private func period(_ words: [String], at start: Int) -> (range: Range<Date>, next: Int)? {
        guard start < words.count else { return nil }
        if let month = Self.months.firstIndex(where: { $0 == words[start] || ($0.count > 3 && String($0.prefix(3)) == words[start]) }),
           start + 1 < words.count, let year = Self.year(words[start + 1]) {
            guard let from = calendar.date(from: DateComponents(year: year, month: month + 1, day: 1)),
                  let to = calendar.date(byAdding: .month, value: 1, to: from) else { return nil }
            return (from..<to, start + 2)
        }
        if let year = Self.year(words[start]),
           let from = calendar.date(from: DateComponents(year: year, month: 1, day: 1)),
           let to = calendar.date(from: DateComponents(year: year + 1, month: 1, day: 1)) {
            return (from..<to, start + 1)
        }
        return nil
    }

    /// "last year", "this month", "the past 3 weeks", "in the last year", "today", "yesterday".
    private func relative(_ words: [String], at start: Int) -> Reading? {
        let word = words[start]
        let today = calendar.startOfDay(for: now)
        if word == "today", let tomorrow = calendar.date(byAdding: .day, value: 1, to: today) {
            return Reading(dates: today..<tomorrow, consumed: [start])
        }
        if word == "yesterday", let yesterday = calendar.date(byAdding: .day, value: -1, to: today) {
            return Reading(dates: yesterday..<today, consumed: [start])
        }
        guard ["last", "past", "this", "previous"].contains(word), start + 1 < words.count else { return nil }
        // "the past 3 months", "the last two weeks", "the past year": a window ending now.
        var amount = 1, unitIndex = start + 1
        if let number = Int(words[start + 1]) ?? Self.numberWords[words[start + 1]], start + 2 < words.count {
            amount = number
            unitIndex = start + 2
        }
        guard let unit = Self.units[words[unitIndex]], (1...100).contains(amount) else { return nil }
        var first = start
        if start > 0, words[start - 1] == "the" { first = start - 1 }
        if first > 0, ["in", "during", "over", "within"].contains(words[first - 1]) { first -= 1 }
        let consumed = Set(first...unitIndex)
        let windowed = word == "past" || unitIndex == start + 2 || first < start
        if windowed || unit == .day || unit == .weekOfYear {
            guard let from = calendar.date(byAdding: unit, value: -amount, to: now) else { return nil }
            return Reading(dates: from..<Date.distantFuture, consumed: consumed)
        }
        // "last year", "this month": a calendar unit, the current one or the one before.
        let current = unit == .year
            ? calendar.date(from: calendar.dateComponents([.year], from: now))
            : calendar.date(from: calendar.dateComponents([.year, .month], from: now))
        guard let current, let next = calendar.date(byAdding: unit, value: 1, to: current),
              let previous = calendar.date(byAdding: unit, value: -1, to: current) else { return nil }
        return Reading(dates: word == "this" ? current..<next : previous..<current, consumed: consumed)
    }

    /// A four-digit year in 1990…2100.
    static func year(_ word: String) -> Int? {
        guard word.count == 4, let year = Int(word), (1990...2100).contains(year) else { return nil }
        return year
    }
}
