/// GPT-2's reversible byte ↔ character table: byte-level BPE vocabularies spell every byte as a
/// printable character, so token strings in the GGUF are written in these characters.
enum ByteLevel {
    /// The character that stands for each byte value.
    static let characterForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each table character stands for.
    static let byteForCharacter: [Unicode.Scalar: UInt8] = {
        var inverse: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in characterForByte.enumerated() { inverse[scalar] = UInt8(byte) }
        return inverse
    }()

    /// The table spelling of some bytes.
    static func spell<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(characterForByte[Int(b)]) }
        return String(s)
    }

    /// The bytes a table spelling stands for, or nil when a character is not in the table.
    static func bytes(of spelling: String) -> [UInt8]? {
        var out: [UInt8] = []
        for scalar in spelling.unicodeScalars {
            guard let b = byteForCharacter[scalar] else { return nil }
            out.append(b)
        }
        return out
    }
}
