/// The normalized UTF-8 bytes of the word being built, before WordPiece splits it.
///
/// Each byte remembers which original character it came from, so every piece can point back into
/// the original text even after accents were stripped or characters were dropped.
struct WordBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var scalarCount = 0
    private(set) var originStart: [Int] = []
    private(set) var originEnd: [Int] = []

    var isEmpty: Bool { bytes.isEmpty }

    /// Appends one normalized scalar that came from original bytes `origin`.
    @inline(__always)
    mutating func append(_ scalar: Unicode.Scalar, origin: Range<Int>) {
        if scalar.value < 0x80 {
            appendASCII(UInt8(scalar.value), origin: origin)
            return
        }
        for byte in UTF8.encode(scalar)! { appendByte(byte, origin: origin) }
        scalarCount += 1
    }

    /// Appends one ASCII byte that came from original bytes `origin`.
    @inline(__always)
    mutating func appendASCII(_ byte: UInt8, origin: Range<Int>) {
        appendByte(byte, origin: origin)
        scalarCount += 1
    }

    @inline(__always)
    private mutating func appendByte(_ byte: UInt8, origin: Range<Int>) {
        bytes.append(byte)
        originStart.append(origin.lowerBound)
        originEnd.append(origin.upperBound)
    }

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        originStart.removeAll(keepingCapacity: true)
        originEnd.removeAll(keepingCapacity: true)
        scalarCount = 0
    }
}
