import Foundation

/// The character classes and per-character normalization of BERT's uncased tokenizer, as the
/// reference (Hugging Face tokenizers' `BertNormalizer` and `BertPreTokenizer`) defines them.
///
/// The reference classifies characters with Unicode 8.0 tables (measured over every scalar with
/// tokenizers 0.23.3), whatever Unicode version this Swift runtime carries: a scalar assigned
/// later has no category there (it is never punctuation, never removed, never stripped), and the
/// few scalars whose category changed since 8.0 keep their 8.0 category.
enum BertCharacters {
    /// Categories of Unicode 8.0 that later versions changed.
    private static let unicode8Categories: [UInt32: Unicode.GeneralCategory] = [
        0x166D: .otherPunctuation,   // CANADIAN SYLLABICS CHI SIGN, So since Unicode 12
        0x1734: .nonspacingMark,     // HANUNOO SIGN PAMUDPOD, Mc since Unicode 14
        0x1885: .modifierLetter,     // MONGOLIAN LETTER ALI GALI BALUDA, Mn since Unicode 9
        0x1886: .modifierLetter,     // MONGOLIAN LETTER ALI GALI THREE BALUDA, Mn since Unicode 9
        0xA9BD: .spacingMark,        // JAVANESE CONSONANT SIGN KERET, Mn since Unicode 12
        0x111C9: .otherPunctuation,  // SHARADA SANDHI MARK, Mn since Unicode 13
        0x1171E: .nonspacingMark,    // AHOM CONSONANT SIGN MEDIAL RA, Mc since Unicode 14
    ]

    /// The category the reference's tables give `scalar`, or nil when they do not list it.
    @inline(__always)
    static func referenceCategory(_ scalar: Unicode.Scalar) -> Unicode.GeneralCategory? {
        let properties = scalar.properties
        guard let age = properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return nil }
        return unicode8Categories[scalar.value] ?? properties.generalCategory
    }

    /// Dropped by `clean_text`: control, format, private-use and surrogate scalars (Cc, Cf, Co, Cs)
    /// except tab, newline and carriage return, which are whitespace; NUL and U+FFFD as well.
    /// Unassigned scalars (Cn) are kept: the reference's table has no Cn entries, so it keeps
    /// U+0378 or U+FFFF, and a CJK-range Cn scalar such as U+2B81F is isolated like an ideograph.
    static func isRemoved(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0, 0xFFFD: return true
        default: break
        }
        switch referenceCategory(scalar) {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// Word separators: the Unicode White_Space property (tab, newline and carriage return included).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    /// Split off as one-character words: ASCII punctuation (which includes symbols such as `$`, `+`,
    /// `^`, `|`) and every Unicode 8.0 P* category. Other symbols (€, ©, emoji) stay inside words.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return isASCIIPunctuation(UInt8(value)) }
        switch referenceCategory(scalar) {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func isASCIIPunctuation(_ byte: UInt8) -> Bool {
        (33...47).contains(byte) || (58...64).contains(byte) || (91...96).contains(byte) || (123...126).contains(byte)
    }

    /// CJK ideographs, which become words of their own. The ranges are the reference's: its
    /// Extension E range starts at U+2B920, so U+2B820–U+2B91F are not isolated.
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Accent stripping then lower-casing of one non-ASCII scalar: canonical decomposition, drop
    /// the nonspacing marks (Unicode 8.0 category Mn only), then each remaining scalar's full lower-case mapping
    /// without context (so a final capital sigma becomes `σ`, never `ς`).
    static func foldNonASCII(_ scalar: Unicode.Scalar, into emit: (Unicode.Scalar) -> Void) {
        // Nothing below U+00C0 has a canonical decomposition; skip Foundation for those.
        if scalar.value < 0xC0 {
            lowercase(scalar, into: emit)
            return
        }
        for part in String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars
        where referenceCategory(part) != .nonspacingMark {
            lowercase(part, into: emit)
        }
    }

    private static func lowercase(_ scalar: Unicode.Scalar, into emit: (Unicode.Scalar) -> Void) {
        if scalar.properties.changesWhenLowercased {
            for lower in scalar.properties.lowercaseMapping.unicodeScalars { emit(lower) }
        } else {
            emit(scalar)
        }
    }
}
