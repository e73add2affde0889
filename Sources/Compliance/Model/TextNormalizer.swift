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

/// Listing text reduced to a matching skeleton, with a map back to the original.
///
/// Steps per character: NFKD (full-width → half-width, ligatures, compatibility forms), combining
/// marks after Latin letters dropped ("Nikë" → "nike"), case folded, traditional → simplified
/// Chinese, Cyrillic/Greek homoglyphs → Latin, digit-for-letter swaps (0→o, 1/l/|/!→i, 3→e, 4/@→a,
/// 5/$→s, 7→t), and separators and zero-width characters removed. Terms go through the same
/// function, so the catalogue and the text always meet in the same alphabet (CMP2).
public struct NormalizedText: Sendable {
    /// The skeleton: normalised scalars with separators removed.
    public let scalars: [UInt32]
    /// For each skeleton scalar, the index of the original character it came from.
    public let origin: [Int32]
    /// Per original character: its kind and its UTF-16 start offset (plus one final end offset).
    public let kinds: [CharKind]
    public let utf16Offsets: [Int]
    public let original: String

    public init(_ text: String, normalizer: TextNormalizer = .shared) {
        var scalars: [UInt32] = []
        var origin: [Int32] = []
        var kinds: [CharKind] = []
        var offsets: [Int] = []
        scalars.reserveCapacity(text.utf8.count)
        origin.reserveCapacity(text.utf8.count)
        var utf16 = 0
        var index = 0
        let utf8 = text.utf8
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let b = utf8[i]
            let next = utf8.index(after: i)
            // Fast path: an ASCII byte followed by ASCII (or the end) is a whole grapheme, except CR LF, which is one.
            if b < 0x80 && (next == utf8.endIndex || utf8[next] < 0x80) {
                if b == 0x0D && next != utf8.endIndex && utf8[next] == 0x0A {
                    offsets.append(utf16); utf16 += 2; kinds.append(.whitespace)
                    index += 1; i = utf8.index(after: next); continue
                }
                offsets.append(utf16); utf16 += 1
                let before = scalars.count
                kinds.append(normalizer.emitASCII(b, into: &scalars))
                if scalars.count > before { origin.append(Int32(index)) }
                index += 1; i = next; continue
            }
            // Fast path: a Chinese ideograph or CJK / full-width punctuation followed by ASCII, another such scalar or
            // the end is a whole grapheme (all are Grapheme_Cluster_Break=Other), so no grapheme breaking is needed.
            let scalarsView = text.unicodeScalars
            let s = scalarsView[i].value
            if TextNormalizer.isSimpleCJK(s) {
                let after = scalarsView.index(after: i)
                if after == scalarsView.endIndex || scalarsView[after].value < 0x80 || TextNormalizer.isSimpleCJK(scalarsView[after].value) {
                    offsets.append(utf16); utf16 += 1
                    let before = scalars.count
                    kinds.append(normalizer.emitSimpleCJK(s, into: &scalars))
                    for _ in before..<scalars.count { origin.append(Int32(index)) }
                    index += 1; i = after; continue
                }
            }
            let ch = text[i]
            offsets.append(utf16)
            utf16 += ch.utf16.count
            let before = scalars.count
            let kind = normalizer.emit(ch, into: &scalars)
            for _ in before..<scalars.count { origin.append(Int32(index)) }
            kinds.append(kind)
            index += 1
            i = text.index(after: i)
        }
        offsets.append(utf16)
        self.scalars = scalars
        self.origin = origin
        self.kinds = kinds
        self.utf16Offsets = offsets
        self.original = text
    }

    /// UTF-16 range in the original text covered by skeleton scalars `first...last`.
    public func originalRange(first: Int, last: Int) -> (start: Int, end: Int, firstChar: Int, lastChar: Int) {
        let a = Int(origin[first]), b = Int(origin[last])
        return (utf16Offsets[a], utf16Offsets[b + 1], a, b)
    }

    /// True when the character before `firstChar` and after `lastChar` (skipping invisible ones)
    /// are not Latin letters or digits: the span is a whole word for Latin-script terms.
    public func isWordBounded(firstChar: Int, lastChar: Int) -> Bool {
        var i = firstChar - 1
        while i >= 0, kinds[i] == .invisible { i -= 1 }
        if i >= 0, kinds[i] == .latinAlnum { return false }
        var j = lastChar + 1
        while j < kinds.count, kinds[j] == .invisible { j += 1 }
        if j < kinds.count, kinds[j] == .latinAlnum { return false }
        return true
    }

    /// Lengths (in content characters) of the whitespace-separated pieces of a span.
    public func pieces(firstChar: Int, lastChar: Int) -> [Int] {
        var out: [Int] = []
        var current = 0
        for i in firstChar...lastChar {
            switch kinds[i] {
            case .whitespace:
                if current > 0 { out.append(current) }
                current = 0
            case .latinAlnum, .otherContent: current += 1
            case .punct, .invisible: break
            }
        }
        if current > 0 { out.append(current) }
        return out
    }
}

/// The character mapping tables (built once).
public final class TextNormalizer: Sendable {
    public static let shared = TextNormalizer()

    let traditional: [UInt32: UInt32]
    let homoglyphs: [UInt32: UInt32]
    let swaps: [UInt32: UInt32]
    /// `map` of every ASCII scalar, so the common case is one array load instead of two hash lookups.
    let asciiMap: [UInt32]
    /// Traditional → simplified for the CJK Unified Ideographs blocks (U+3400…U+9FFF), indexed by `v - 0x3400`:
    /// the bulk of Chinese listing text takes this path without NFKD or case folding, which leave ideographs unchanged.
    let hanMap: [UInt32]
    static let hanRange: ClosedRange<UInt32> = 0x3400...0x9FFF
    /// Ideographs only: U+4DC0…U+4DFF inside `hanRange` are Yijing hexagram symbols (punctuation-like), not Han.
    @inline(__always)
    static func isIdeograph(_ v: UInt32) -> Bool { (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) }
    /// The result of the general path for every other single-scalar BMP character (Chinese punctuation, full-width
    /// forms, accented Latin, Cyrillic …), computed once: per scalar `kind << 29 | count << 24 | start` into
    /// `bmpScalars`, or `untabled`. NFKD per character is what made normalisation slow (bench/README.md).
    let bmpTable: [UInt32]
    let bmpScalars: [UInt32]
    static let untabled: UInt32 = .max

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
        for v in UInt32(0x80)...0xFFFF where !(0xD800...0xDFFF).contains(v) && !Self.isIdeograph(v) {
            var out: [UInt32] = []
            let kind = general.emitGeneral(Character(Unicode.Scalar(v)!), into: &out)
            guard out.count < 32, flat.count < 1 << 24 else { continue }
            table[Int(v)] = UInt32(kind.rawValue) << 29 | UInt32(out.count) << 24 | UInt32(flat.count)
            flat += out
        }
        self.init(traditional: t, homoglyphs: homoglyphs, swaps: swaps, bmpTable: table, bmpScalars: flat)
    }

    init(traditional: [UInt32: UInt32], homoglyphs: [UInt32: UInt32], swaps: [UInt32: UInt32], bmpTable: [UInt32], bmpScalars: [UInt32]) {
        self.traditional = traditional
        self.homoglyphs = homoglyphs
        self.swaps = swaps
        asciiMap = (0..<128).map { v in swaps[UInt32(v)] ?? homoglyphs[UInt32(v)] ?? UInt32(v) }
        hanMap = Self.hanRange.map { traditional[$0] ?? $0 }
        self.bmpTable = bmpTable
        self.bmpScalars = bmpScalars
    }

    /// Appends the skeleton scalars of one character and returns its kind.
    @discardableResult
    func emit(_ ch: Character, into out: inout [UInt32]) -> CharKind {
        // Fast path: ASCII (a CR LF pair has no single ASCII value and is whitespace below).
        if let a = ch.asciiValue { return emitASCII(a, into: &out) }
        let scalars = ch.unicodeScalars
        // Fast path: a lone CJK ideograph (no compatibility decomposition, no case; only traditional → simplified).
        if let first = scalars.first, scalars.index(after: scalars.startIndex) == scalars.endIndex {
            let v = first.value
            if Self.isIdeograph(v) {
                out.append(hanMap[Int(v - Self.hanRange.lowerBound)])
                return .otherContent
            }
            if v < 0x10000, !bmpTable.isEmpty {
                let e = bmpTable[Int(v)]
                if e != Self.untabled {
                    let start = Int(e & 0xFF_FFFF), count = Int(e >> 24 & 0x1F)
                    out.append(contentsOf: bmpScalars[start..<start + count])
                    return CharKind(rawValue: UInt8(e >> 29))!
                }
            }
        }
        return emitGeneral(ch, into: &out)
    }

    /// Ideographs, CJK symbols and punctuation (without the ideographic tone marks U+302A…U+302F, which extend)
    /// and full-width ASCII forms: scalars that never join a neighbour into one grapheme.
    @inline(__always)
    static func isSimpleCJK(_ v: UInt32) -> Bool {
        isIdeograph(v) || (0x3000...0x3029).contains(v) || (0x3030...0x303F).contains(v) || (0xFF01...0xFF5E).contains(v)
    }

    /// `emit` for a scalar that `isSimpleCJK` accepts.
    @inline(__always)
    func emitSimpleCJK(_ v: UInt32, into out: inout [UInt32]) -> CharKind {
        if Self.isIdeograph(v) {
            out.append(hanMap[Int(v - Self.hanRange.lowerBound)])
            return .otherContent
        }
        let e = bmpTable.isEmpty ? Self.untabled : bmpTable[Int(v)]
        guard e != Self.untabled else { return emitGeneral(Character(Unicode.Scalar(v)!), into: &out) }
        let start = Int(e & 0xFF_FFFF), count = Int(e >> 24 & 0x1F)
        out.append(contentsOf: bmpScalars[start..<start + count])
        return CharKind(rawValue: UInt8(e >> 29))!
    }

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
