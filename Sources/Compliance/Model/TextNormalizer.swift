import Foundation

/// What one original character (grapheme) of a listing contributes to matching.
public enum CharKind: UInt8, Sendable {
    /// Latin, Greek or Cyrillic letter or a digit: word boundaries are checked against these.
    case latinAlnum
    /// Any other content (Han, Kana, Hangul, Arabic …): emits scalars, is never a word character for Latin terms.
    case otherContent
    case whitespace
    /// Punctuation and symbols: dropped, so "N.i.k.e" reads "nike".
    case punct
    /// Zero-width and format characters: dropped entirely.
    case invisible
}

/// The character mapping tables (built once).
public final class TextNormalizer: Sendable {
    public static let shared = TextNormalizer()

    let traditional: [UInt32: UInt32]
    let homoglyphs: [UInt32: UInt32]
    let swaps: [UInt32: UInt32]
    /// `map` of every ASCII scalar, so the common case is one array load instead of two hash lookups.
    let asciiMap: [UInt32]
    /// The result of the general path for every BMP scalar that is a character on its own (ASCII, ideographs, Chinese
    /// punctuation, full-width forms, accented Latin, Cyrillic …), computed once: per scalar
    /// `kind << 29 | simple | count << 24 | low`, where `low` is the scalar itself when there is one and otherwise the
    /// start of the scalars in `bmpScalars`; or `untabled`. NFKD per character is what made
    /// normalisation slow (bench/README.md).
    let bmpTable: [UInt32]
    let bmpScalars: [UInt32]
    /// Kind 7, which does not exist, and not simple.
    static let untabled: UInt32 = 7 << 29
    /// Set in a `bmpTable` entry when the scalar can neither join the scalar before it nor the one after it into one
    /// grapheme, as long as that one is simple too (Grapheme_Cluster_Break Other, Control, CR or LF; not Hangul,
    /// Prepend, Extend, SpacingMark or ZWJ). Two simple scalars in a row always have a grapheme boundary between
    /// them (CR LF aside, which emits nothing either way), which is what lets `NormalizedText` skip grapheme breaking.
    static let simple: UInt32 = 1 << 28

    convenience init() {
        var t: [UInt32: UInt32] = [:]
        if let url = Bundle.module.url(forResource: "hant-hans", withExtension: "txt"),
           let text = try? String(contentsOf: url, encoding: .utf8) {
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let s = Array(line.unicodeScalars)
                if s.count == 2 { t[s[0].value] = s[1].value }
            }
        }
        // Cyrillic and Greek letters that render like Latin ones (after case folding).
        let pairs: [(Character, Character)] = [
            ("а", "a"), ("в", "b"), ("г", "r"), ("е", "e"), ("ё", "e"), ("и", "u"), ("к", "k"), ("м", "m"), ("н", "h"),
            ("о", "o"), ("п", "n"), ("р", "p"), ("с", "c"), ("т", "t"), ("у", "y"), ("х", "x"), ("ь", "b"), ("ѕ", "s"),
            ("і", "i"), ("ї", "i"), ("ј", "j"), ("ԁ", "d"), ("ӏ", "i"), ("ԛ", "q"), ("ԝ", "w"), ("һ", "h"),
            ("α", "a"), ("β", "b"), ("γ", "y"), ("ε", "e"), ("η", "n"), ("ι", "i"), ("κ", "k"), ("ν", "v"), ("ο", "o"),
            ("ρ", "p"), ("τ", "t"), ("υ", "u"), ("χ", "x"), ("ω", "w"), ("ı", "i"), ("ℓ", "i"),
        ]
        let homoglyphs = Dictionary(uniqueKeysWithValues: pairs.map { ($0.0.unicodeScalars.first!.value, $0.1.unicodeScalars.first!.value) })
        // Digit-for-letter swaps; l and i share one skeleton letter so "App1e" and "Apple" meet.
        let swapPairs: [(Character, Character)] = [("0", "o"), ("1", "i"), ("l", "i"), ("|", "i"), ("!", "i"), ("3", "e"),
                                                   ("4", "a"), ("@", "a"), ("5", "s"), ("$", "s"), ("7", "t")]
        let swaps = Dictionary(uniqueKeysWithValues: swapPairs.map { ($0.0.unicodeScalars.first!.value, $0.1.unicodeScalars.first!.value) })
        // The BMP table is filled by the general path of a normaliser without it, so both paths agree by construction.
        let general = TextNormalizer(traditional: t, homoglyphs: homoglyphs, swaps: swaps, bmpTable: [], bmpScalars: [])
        var table = [UInt32](repeating: Self.untabled, count: 0x10000)
        var flat: [UInt32] = []
        for v in UInt32(0)...0xFFFF where !(0xD800...0xDFFF).contains(v) {
            var out: [UInt32] = []
            let kind: CharKind
            if Self.isIdeograph(v) {
                // No compatibility decomposition and no case: only traditional → simplified (checked against the
                // general path by NormalizerFastPathTests).
                out.append(t[v] ?? v); kind = .otherContent
            } else {
                kind = general.emit(Character(Unicode.Scalar(v)!), into: &out)
            }
            guard out.count < 16 else { continue }
            // One scalar is stored in the entry itself (a scalar fits in 21 bits), more as a slice of `bmpScalars`.
            let low = out.count == 1 ? out[0] : UInt32(flat.count)
            if out.count > 1 { flat += out }
            table[Int(v)] = UInt32(kind.rawValue) << 29 | (Self.isSimple(v) ? Self.simple : 0) | UInt32(out.count) << 24 | low
        }
        self.init(traditional: t, homoglyphs: homoglyphs, swaps: swaps, bmpTable: table, bmpScalars: flat)
    }

    /// See `simple`: a character alone between two ASCII letters, and not Hangul (whose jamo join each other).
    static func isSimple(_ v: UInt32) -> Bool {
        if v < 0x80 { return true }
        if (0x1100...0x11FF).contains(v) || (0xA960...0xA97F).contains(v) || (0xAC00...0xD7FF).contains(v) { return false }
        return "a\(Character(Unicode.Scalar(v)!))a".count == 3
    }

    init(traditional: [UInt32: UInt32], homoglyphs: [UInt32: UInt32], swaps: [UInt32: UInt32], bmpTable: [UInt32], bmpScalars: [UInt32]) {
        self.traditional = traditional
        self.homoglyphs = homoglyphs
        self.swaps = swaps
        asciiMap = (0..<128).map { v in swaps[UInt32(v)] ?? homoglyphs[UInt32(v)] ?? UInt32(v) }
        self.bmpTable = bmpTable
        self.bmpScalars = bmpScalars
    }

    /// Appends the skeleton scalars of one character and returns its kind.
    @discardableResult
    func emit(_ ch: Character, into out: inout [UInt32]) -> CharKind {
        // Fast path: ASCII (a CR LF pair has no single ASCII value and is whitespace below).
        if let a = ch.asciiValue { return emitASCII(a, into: &out) }
        let scalars = ch.unicodeScalars
        // Fast path: one BMP scalar, from the table.
        if let first = scalars.first, scalars.index(after: scalars.startIndex) == scalars.endIndex, first.value < 0x10000, !bmpTable.isEmpty {
            let e = bmpTable[Int(first.value)]
            if e != Self.untabled {
                let low = e & 0xFF_FFFF, count = Int(e >> 24 & 0xF)
                if count == 1 { out.append(low) } else { out.append(contentsOf: bmpScalars[Int(low)..<Int(low) + count]) }
                return CharKind(rawValue: UInt8(e >> 29))!
            }
        }
        return emitGeneral(ch, into: &out)
    }

    /// CJK Unified Ideographs and Extension A (U+4DC0…U+4DFF between them are Yijing hexagram symbols, not Han).
    static func isIdeograph(_ v: UInt32) -> Bool { (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) }

    /// Any character: NFKD, case fold, marks, punctuation and swaps, scalar by scalar.
    func emitGeneral(_ ch: Character, into out: inout [UInt32]) -> CharKind {
        let scalars = ch.unicodeScalars
        if scalars.allSatisfy({ TextNormalizer.isInvisible($0) }) { return .invisible }
        if scalars.allSatisfy({ $0.properties.isWhitespace || $0.properties.generalCategory == .control }) { return .whitespace }
        let decomposed = String(ch).decomposedStringWithCompatibilityMapping.lowercased()
        var kind: CharKind = .punct
        var previousLatin = false
        for s in decomposed.unicodeScalars {
            let props = s.properties
            switch props.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                // Accents on Latin letters are noise for matching; other scripts keep their marks.
                if previousLatin || TextNormalizer.isInvisible(s) { continue }
                out.append(s.value)
            case .format, .control, .surrogate, .privateUse, .unassigned:
                continue
            case .spaceSeparator, .lineSeparator, .paragraphSeparator:
                if kind == .punct { kind = .whitespace }
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
                 .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
                if let swapped = swaps[s.value] {
                    out.append(swapped); kind = .latinAlnum; previousLatin = true
                }
            default:
                let v = map(s.value)
                out.append(v)
                let latin = v < 0x250 || homoglyphs[s.value] != nil
                previousLatin = latin
                if latin || props.numericType != nil && v < 0x250 { kind = .latinAlnum } else if kind != .latinAlnum { kind = .otherContent }
            }
        }
        return kind
    }

    /// One ASCII character: letters folded and swapped, `$ @ | !` read as letters inside words, the rest separators.
    @inline(__always)
    func emitASCII(_ a: UInt8, into out: inout [UInt32]) -> CharKind {
        switch a {
        case 0x41...0x5A: out.append(asciiMap[Int(a + 0x20)]); return .latinAlnum
        case 0x61...0x7A, 0x30...0x39, 0x24, 0x40, 0x7C, 0x21: out.append(asciiMap[Int(a)]); return .latinAlnum
        case 0x00...0x20, 0x7F: return .whitespace
        default: return .punct
        }
    }

    @inline(__always)
    func map(_ v: UInt32) -> UInt32 {
        if v < 0x80 { return asciiMap[Int(v)] }
        if let s = swaps[v] { return s }
        if let h = homoglyphs[v] { return h }
        if v >= 0x3400, let t = traditional[v] { return t }
        return v
    }

    static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x200B...0x200F, 0x2060...0x2064, 0xFEFF, 0x00AD, 0x034F, 0x180E, 0xFE00...0xFE0F: return true
        default: return s.properties.generalCategory == .format
        }
    }

    /// The skeleton of a catalogue term, as a plain scalar array.
    public func skeleton(_ term: String) -> [UInt32] {
        var out: [UInt32] = []
        for ch in term { emit(ch, into: &out) }
        return out
    }

    /// Whitespace-separated words of a term, each as a skeleton (to recognise natural multi-word matches).
    public func words(_ term: String) -> [[UInt32]] {
        term.split(whereSeparator: { $0.isWhitespace }).map { skeleton(String($0)) }.filter { !$0.isEmpty }
    }
}
