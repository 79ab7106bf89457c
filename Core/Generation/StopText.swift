/// The text of a generation as it grows token by token: releases only complete UTF-8 and holds
/// back any tail that could still become a stop sequence, so a streamed reader never sees a
/// stop sequence or half a character.
struct StopText {
    let stops: [[UInt8]]
    private var bytes: [UInt8] = []
    private var released = 0
    private var stopped = false
    /// Everything released so far.
    private(set) var emitted = ""

    init(stops: [String]) { self.stops = stops.filter { !$0.isEmpty }.map { Array($0.utf8) } }

    /// Adds a token's bytes; returns the newly released text and whether a stop sequence appeared.
    mutating func append(_ new: [UInt8]) -> (text: String, stopped: Bool) {
        guard !stopped else { return ("", true) }
        let searchFrom = max(released, bytes.count - (stops.map(\.count).max() ?? 0))
        bytes += new
        if let cut = firstStop(from: searchFrom) {
            stopped = true
            return (release(upTo: cut), true)
        }
        let complete = bytes.count - Self.openUTF8Tail(bytes)
        var hold = 0
        for stop in stops {
            for k in stride(from: min(stop.count - 1, complete - released), to: 0, by: -1)
            where bytes[(complete - k)..<complete].elementsEqual(stop[0..<k]) {
                hold = max(hold, k)
                break
            }
        }
        return (release(upTo: complete - hold), false)
    }

    /// Releases whatever is still held (the generation ended without completing a stop sequence).
    mutating func finish() -> String { stopped ? "" : release(upTo: bytes.count) }

    private mutating func release(upTo end: Int) -> String {
        guard end > released else { return "" }
        let text = String(decoding: bytes[released..<end], as: UTF8.self)
        released = end
        emitted += text
        return text
    }

    private func firstStop(from start: Int) -> Int? {
        var best: Int?
        for stop in stops where bytes.count >= stop.count {
            var i = max(start, 0)
            while i + stop.count <= bytes.count {
                if bytes[i..<(i + stop.count)].elementsEqual(stop) {
                    best = min(best ?? i, i)
                    break
                }
                i += 1
            }
        }
        return best
    }

    /// How many bytes at the end start a UTF-8 sequence that is not complete yet.
    static func openUTF8Tail(_ bytes: [UInt8]) -> Int {
        for back in 1...min(3, max(bytes.count, 1)) where bytes.count >= back {
            let byte = bytes[bytes.count - back]
            if byte & 0xC0 == 0x80 { continue }
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            return length > back ? back : 0
        }
        return 0
    }
}
