@testable import Compliance
import Foundation
import Testing

/// The table-driven single pass of `NormalizedText` must give exactly what the per-grapheme general path gives (skeleton,
/// origins) and its lazily computed offsets, word boundaries and pieces must equal those of per-character arrays,
/// including CR LF, combining marks after ASCII letters, emoji sequences, Hangul and traditional characters (CMP2: offsets
/// must point at the original text).
@Suite struct NormalizerFastPathTests {
    /// The reference: every grapheme through the general path (NFKD per character), with per-character arrays.
    struct Reference {
        var scalars: [UInt32] = [], origin: [Int] = [], kinds: [CharKind] = [], utf16: [Int] = [], utf8: [Int] = []

        init(_ text: String) {
            var u16 = 0, u8 = 0
            for (index, ch) in text.enumerated() {
                utf16.append(u16); utf8.append(u8)
                u16 += ch.utf16.count; u8 += ch.utf8.count
                let before = scalars.count
                kinds.append(TextNormalizer.shared.emitGeneral(ch, into: &scalars))
                for _ in before..<scalars.count { origin.append(index) }
            }
            utf16.append(u16); utf8.append(u8)
        }

        /// The word-boundary rule on character indices, as it was defined on stored kinds.
        func isWordBounded(_ a: Int, _ b: Int) -> Bool {
            var i = a - 1
            while i >= 0, kinds[i] == .invisible { i -= 1 }
            if i >= 0, kinds[i] == .latinAlnum { return false }
            var j = b + 1
            while j < kinds.count, kinds[j] == .invisible { j += 1 }
            return !(j < kinds.count && kinds[j] == .latinAlnum)
        }

        func pieces(_ a: Int, _ b: Int) -> [Int] {
            var out: [Int] = [], current = 0
            for k in kinds[a...b] {
                switch k {
                case .whitespace: if current > 0 { out.append(current) }; current = 0
                case .latinAlnum, .otherContent: current += 1
                case .punct, .invisible: break
                }
            }
            if current > 0 { out.append(current) }
            return out
        }
    }

    static let pieces = ["a", "N", "i", "k", "e", " ", ".", "1", "$", "\r\n", "\r", "\n", "\t", "e\u{301}", "\u{200B}", "\u{200D}", "Ｎ", "ｉ",
                         "耐", "克", "國", "際", "𠀀", "😀", "👍🏽", "👩‍💻", "🇨🇳", "а", "ё", "ß", "ﬁ", "\u{0}", "中文", "\u{301}", "!", "，", "。", "€", "™",
                         "Ä", "ǅ", "①", "ｶ", "\u{FDFA}", "\u{0601}", "@", "\u{3000}", "〃", "\u{302A}", "ａ", "！", "「", "\u{FF9E}", "한", "\u{1100}",
                         "\u{1161}", "\u{11A8}", "क", "\u{94D}", "ष", "\u{E33}", "☺", "\u{FE0F}", "\u{85}", "ä", "Σ", "ς"]

    @Test func singlePassAgreesWithTheGraphemePath() {
        var rng = SystemRandomNumberGenerator()
        var failures = 0
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...24, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
            let fast = NormalizedText(text)
            let ref = Reference(text)
            let hex = text.unicodeScalars.map { String($0.value, radix: 16) }
            guard fast.scalars == ref.scalars, fast.origin.map(Int.init) == ref.origin.map({ ref.utf8[$0] }) else {
                failures += 1
                Issue.record("skeleton or origins differ on \(hex)")
                continue
            }
            // Every span of skeleton scalars: offsets, word boundaries and pieces as the per-character arrays give them.
            for first in 0..<fast.scalars.count {
                for last in first..<min(fast.scalars.count, first + 6) {
                    let r = fast.originalRange(first: first, last: last)
                    let a = ref.origin[first], b = ref.origin[last]
                    let same = r.start == ref.utf16[a] && r.end == ref.utf16[b + 1] && r.firstChar == ref.utf8[a] && r.lastChar == ref.utf8[b]
                        && fast.isWordBounded(firstChar: r.firstChar, lastChar: r.lastChar) == ref.isWordBounded(a, b)
                        && fast.pieces(firstChar: r.firstChar, lastChar: r.lastChar) == ref.pieces(a, b)
                    if !same { failures += 1; Issue.record("span \(first)...\(last) differs on \(hex)") }
                }
            }
            if failures > 10 { break }
        }
    }

    @Test func everyTabledBMPCharacterMatchesTheGeneralPath() {
        let n = TextNormalizer.shared
        var differing: [UInt32] = []
        for v in UInt32(0x80)...0xFFFF where !(0xD800...0xDFFF).contains(v) {
            let ch = Character(Unicode.Scalar(v)!)
            var fast: [UInt32] = [], general: [UInt32] = []
            if n.emit(ch, into: &fast) != n.emitGeneral(ch, into: &general) || fast != general { differing.append(v) }
        }
        #expect(differing.isEmpty, "differ: \(differing.prefix(20).map { String($0, radix: 16) })")
    }

    @Test func crlfCombiningMarksAndHangulKeepExactOffsets() {
        let t = NormalizedText("N\r\n中e\u{301}\u{1100}\u{1161}x")
        #expect(t.scalars == [0x6E, 0x4E2D, 0x65, 0x1100, 0x1161, 0x78])
        // Origins are UTF-8 offsets of whole characters: "e\u{301}" is one character at 6, the jamo pair one at 9.
        #expect(t.origin == [0, 3, 6, 9, 9, 15])
        let accent = t.originalRange(first: 2, last: 2)
        #expect(accent.start == 4 && accent.end == 6)
        let hangul = t.originalRange(first: 3, last: 4)
        #expect(hangul.start == 6 && hangul.end == 8)
        #expect(t.pieces(firstChar: 0, lastChar: 6) == [1, 2])
        #expect(!t.isWordBounded(firstChar: 3, lastChar: 3))
    }

    @Test func bridgedAndLongTextsNormaliseLikeNativeOnes() {
        let native = String(repeating: "Ｎｉｋｅ 耐克 e\u{301} ", count: 400)
        let bridged = NSString(string: native) as String
        #expect(NormalizedText(bridged).scalars == NormalizedText(native).scalars)
        #expect(NormalizedText(native).scalars.count == Reference(native).scalars.count)
    }
}
