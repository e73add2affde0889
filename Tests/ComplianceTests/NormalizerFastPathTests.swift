@testable import Compliance
import Foundation
import Testing

/// The byte-level ASCII, ideograph and BMP-table fast paths of `NormalizedText` must give exactly what the per-grapheme path
/// gives (skeleton, origins, kinds, UTF-16 offsets), including CR LF, combining marks after ASCII letters, emoji
/// sequences and traditional characters (CMP2: offsets must point at the original text).
@Suite struct NormalizerFastPathTests {
    /// The reference: every grapheme through the general path (NFKD per character), as before the fast paths.
    static func reference(_ text: String) -> (scalars: [UInt32], origin: [Int32], kinds: [CharKind], offsets: [Int]) {
        var scalars: [UInt32] = [], origin: [Int32] = [], kinds: [CharKind] = [], offsets: [Int] = []
        var utf16 = 0
        for (index, ch) in text.enumerated() {
            offsets.append(utf16)
            utf16 += ch.utf16.count
            let before = scalars.count
            kinds.append(TextNormalizer.shared.emitGeneral(ch, into: &scalars))
            for _ in before..<scalars.count { origin.append(Int32(index)) }
        }
        offsets.append(utf16)
        return (scalars, origin, kinds, offsets)
    }

    static let pieces = ["a", "N", "i", "k", "e", " ", ".", "1", "$", "\r\n", "\r", "\n", "\t", "e\u{301}", "\u{200B}", "Ｎ", "ｉ",
                         "耐", "克", "國", "際", "𠀀", "😀", "👍🏽", "🇨🇳", "а", "ё", "ß", "ﬁ", "\u{0}", "中文", "\u{301}", "!", "，", "。", "€", "™", "Ä", "ǅ", "①", "ｶ", "\u{FDFA}", "\u{0601}", "@", "\u{3000}", "〃", "\u{302A}", "ａ", "！", "「", "\u{FF9E}", "한", "\u{1100}", "\u{1161}"]

    @Test func fastPathsAgreeWithTheGraphemePath() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...24, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
            let fast = NormalizedText(text)
            let ref = Self.reference(text)
            #expect(fast.scalars == ref.scalars && fast.origin == ref.origin && fast.kinds == ref.kinds && fast.utf16Offsets == ref.offsets,
                    "differs on \(text.unicodeScalars.map { String($0.value, radix: 16) })")
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

    @Test func crlfIsOneCharacterAndOffsetsStayExact() {
        let t = NormalizedText("N\r\n中e\u{301}")
        #expect(t.kinds == [.latinAlnum, .whitespace, .otherContent, .latinAlnum])
        #expect(t.utf16Offsets == [0, 1, 3, 4, 6])
        #expect(t.scalars == [0x6E, 0x4E2D, 0x65])
    }
}
