import TwinlogRuntime

/// Mutations of fuzz inputs, drawn from a seeded generator so that a run is reproducible from its
/// seed: bit flips, bytes set to boundary values, inserted, deleted and duplicated ranges, splices
/// of two inputs, little-endian integers overwritten with boundary values, and ASCII numbers
/// replaced by the tokens that trip number conversions (`1e300`, `nan`, `-1`, `inf`, …).
public struct FuzzMutator: Sendable {
    /// Bytes at the edges of signed and unsigned ranges, and the characters that delimit text formats.
    static let interestingBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE, 0x20, 0x0A, 0x22, 0x5C, 0x3C, 0x3E, 0x7B, 0x5B, 0x3A, 0x2A]
    /// Boundary integers: 0, -1 (all ones), the signed and unsigned limits of every width, large powers of two.
    static let interestingIntegers: [UInt64] = [
        0, 1, UInt64.max, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, UInt64(Int32.max), 1 << 31, UInt64(UInt32.max), 1 << 32,
        1 << 26, 1 << 40, 1 << 62, UInt64(Int64.max), 1 << 63, UInt64.max - 1, 16, 32, 1 << 20,
    ]
    /// What a number in a text format can be replaced with.
    static let numberTokens: [String] = [
        "1e300", "-1e300", "nan", "NaN", "-1", "inf", "-inf", "Infinity", "1e999", "0", "-0", "1e-320", "0.5",
        "2147483648", "-2147483649", "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "67108864", "99999999999999999999999",
    ]

    /// The generator every choice comes from.
    public var random: SeededGenerator
    /// Mutants never grow past this many bytes.
    public let maximumSize: Int

    public init(seed: UInt64, maximumSize: Int = 1 << 20) {
        random = SeededGenerator(seed: seed)
        self.maximumSize = maximumSize
    }

    /// A number in `0..<bound` (`bound` > 0).
    mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    /// `input` changed by one to four mutations; `other` is what a splice takes its second half from.
    public mutating func mutate(_ input: [UInt8], other: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) { mutateOnce(&bytes, other: other) }
        if bytes.count > maximumSize { bytes.removeSubrange(maximumSize...) }
        return bytes
    }

    private mutating func mutateOnce(_ bytes: inout [UInt8], other: [UInt8]) {
        guard !bytes.isEmpty else {
            bytes = Array(Self.interestingBytes.shuffled(using: &random).prefix(1 + below(8)))
            return
        }
        switch below(12) {
        case 0: bytes[below(bytes.count)] ^= 1 << UInt8(below(8))
        case 1: bytes[below(bytes.count)] = Self.interestingBytes[below(Self.interestingBytes.count)]
        case 2: bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
        case 3: insertRandom(&bytes)
        case 4: deleteRange(&bytes)
        case 5: duplicateRange(&bytes)
        case 6: splice(&bytes, other)
        case 7, 8: overwriteInteger(&bytes)
        case 9: nudgeInteger(&bytes)
        case 10, 11:
            if !replaceNumber(&bytes) { overwriteInteger(&bytes) }
        default: break
        }
    }

    private mutating func insertRandom(_ bytes: inout [UInt8]) {
        let count = 1 + below(16)
        let fill: [UInt8] = below(2) == 0
            ? Array(repeating: Self.interestingBytes[below(Self.interestingBytes.count)], count: count)
            : (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        bytes.insert(contentsOf: fill, at: below(bytes.count + 1))
    }

    private mutating func deleteRange(_ bytes: inout [UInt8]) {
        let start = below(bytes.count)
        let length = 1 + below(min(bytes.count - start, below(4) == 0 ? 256 : 8))
        bytes.removeSubrange(start..<start + length)
    }

    private mutating func duplicateRange(_ bytes: inout [UInt8]) {
        let start = below(bytes.count)
        let length = 1 + below(min(bytes.count - start, 64))
        let copies = below(4) == 0 ? 1 + below(32) : 1
        let range = Array(bytes[start..<start + length])
        let at = below(bytes.count + 1)
        for _ in 0..<copies { bytes.insert(contentsOf: range, at: at) }
    }

    private mutating func splice(_ bytes: inout [UInt8], _ other: [UInt8]) {
        guard !other.isEmpty else { return }
        let cut = below(bytes.count + 1)
        let from = below(other.count)
        bytes = Array(bytes[..<cut]) + other[from...]
    }

    /// Overwrites 1, 2, 4 or 8 bytes at a random place with a boundary value, little-endian.
    private mutating func overwriteInteger(_ bytes: inout [UInt8]) {
        let width = [1, 2, 4, 8][below(4)]
        guard bytes.count >= width else { return }
        var value = Self.interestingIntegers[below(Self.interestingIntegers.count)]
        let at = below(bytes.count - width + 1)
        for index in 0..<width {
            bytes[at + index] = UInt8(truncatingIfNeeded: value)
            value >>= 8
        }
    }

    /// Adds or subtracts a small amount to a little-endian 4- or 8-byte integer (an off-by-some length).
    private mutating func nudgeInteger(_ bytes: inout [UInt8]) {
        let width = below(2) == 0 ? 4 : 8
        guard bytes.count >= width else { return }
        let at = below(bytes.count - width + 1)
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(bytes[at + index]) }
        let delta = UInt64(1 + below(16))
        value = below(2) == 0 ? value &+ delta : value &- delta
        for index in 0..<width {
            bytes[at + index] = UInt8(truncatingIfNeeded: value)
            value >>= 8
        }
    }

    /// Replaces one run of ASCII digits (with its sign, fraction and exponent) by a hostile
    /// number token; false when the input has no digits.
    private mutating func replaceNumber(_ bytes: inout [UInt8]) -> Bool {
        func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        let start = below(bytes.count)
        guard let found = bytes[start...].firstIndex(where: isDigit) ?? bytes[..<start].firstIndex(where: isDigit) else { return false }
        var lower = found, upper = found
        while lower > 0, isDigit(bytes[lower - 1]) || bytes[lower - 1] == UInt8(ascii: "-") { lower -= 1 }
        let numberBytes: Set<UInt8> = Set("0123456789.eE+-".utf8)
        while upper < bytes.count, numberBytes.contains(bytes[upper]) { upper += 1 }
        bytes.replaceSubrange(lower..<upper, with: Array(Self.numberTokens[below(Self.numberTokens.count)].utf8))
        return true
    }
}
