import Compliance
import Foundation
import Testing

/// CMP2: normalisation, multi-pattern matching, offsets back to the original text, verdicts.
@Suite struct ScreeningEngineTests {
    static let catalogue = Catalogue(entries: [
        CatalogueEntry(id: "GL-BRD-1", market: .global, category: .brand, term: "nike", variants: ["耐克", "nikee"], match: .word, source: "brand register"),
        CatalogueEntry(id: "GL-BRD-2", market: .global, category: .brand, term: "ralph lauren", match: .word, source: "brand register"),
        CatalogueEntry(id: "GL-BRD-3", market: .global, category: .brand, term: "rolex", variants: ["劳力士"], match: .word, source: "brand register"),
        CatalogueEntry(id: "GL-PRO-1", market: .global, category: .prohibited, term: "ivory", variants: ["象牙"], match: .word, severity: 5, source: "CITES Appendix I"),
        CatalogueEntry(id: "GL-RES-1", market: .global, category: .restricted, term: "lithium battery", variants: ["锂电池", "power bank"],
                       match: .word, requires: ["UN38.3", "MSDS"], source: "IATA DGR"),
        CatalogueEntry(id: "CN-AD-1", market: .cn, category: .adWord, term: "最佳", source: "广告法 第九条"),
        CatalogueEntry(id: "CN-AD-2", market: .cn, category: .adWord, term: "国家级", source: "广告法 第九条"),
        CatalogueEntry(id: "CN-PRO-1", market: .cn, category: .prohibited, term: "电子烟", source: "CBEC list"),
        CatalogueEntry(id: "US-PRO-1", market: .us, category: .prohibited, term: "gun", match: .word, source: "test"),
    ], allowPhrases: [
        AllowPhrase(phrase: "ivory-coloured", covers: "ivory"), AllowPhrase(phrase: "ivory white", covers: "ivory"),
        AllowPhrase(phrase: "象牙白", covers: "象牙"), AllowPhrase(phrase: "glue gun", covers: "gun"),
    ])

    func screen(_ title: String, _ market: Market = .us, context: ScreeningContext = .init()) -> ScreeningResult {
        Screener(catalogue: Self.catalogue, market: market).screen(ScreeningInput(title: title), context: context)
    }

    func active(_ r: ScreeningResult) -> [String] { r.findings.filter { $0.disposition == .active }.map(\.ruleId) }

    @Test(arguments: ["Nike running shoes", "N.i.k.e running shoes", "Ｎｉｋｅ running shoes", "n i k e running shoes",
                      "N-I-K-E shoes", "Ni\u{200B}ke shoes", "N\u{0456}ke shoes", "N1ke shoes", "NIKE", "正品Nike运动鞋", "耐克运动鞋",
                      "耐 克 运动鞋", "nikee air", "Nikë shoes"])
    func evasionsOfABrandAreCaught(title: String) {
        let r = screen(title)
        #expect(active(r) == ["GL-BRD-1"], "\(title): \(r.findings)")
        #expect(r.verdict == .reject)
    }

    @Test(arguments: ["Mini Kettle 1L", "Dani Kent bag", "Unicorn Kettle", "Snikers", "polo shirt men", "Apple pie mould",
                      "ivory-coloured wedding dress", "Ivory White blouse", "象牙白 衬衫", "gunmetal grey case", "hot glue gun"])
    func innocentLookAlikesPass(title: String) {
        let r = screen(title)
        #expect(r.verdict == .pass, "\(title): \(r.findings)")
    }

    @Test func offsetsPointAtTheOriginalText() throws {
        let title = "【正品】Ｒ0ＬＥＸ watch"
        let r = screen(title)
        let f = try #require(r.findings.first)
        #expect(f.ruleId == "GL-BRD-3" && f.field == "title")
        let utf16 = Array(title.utf16)
        #expect(String(decoding: utf16[f.start..<f.end], as: UTF16.self) == "Ｒ0ＬＥＸ")
        #expect(f.matched == "Ｒ0ＬＥＸ")
        let emoji = "🔥🔥 R o l e x 🔥"
        let g = try #require(screen(emoji).findings.first)
        #expect(String(decoding: Array(emoji.utf16)[g.start..<g.end], as: UTF16.self) == "R o l e x")
    }

    /// Nominative use: a list of compatible models names several brands after one cue; a new clause ends the cue.
    @Test func compatibilityListsAreNotesButNotAcrossClauses() {
        let list = screen("Replacement band, compatible models: Rolex Submariner / Nike Sport 41mm")
        #expect(list.verdict == .pass, "\(list.findings)")
        #expect(list.findings.map(\.ruleId).sorted() == ["GL-BRD-1", "GL-BRD-3"] && list.findings.allSatisfy { $0.reason?.hasPrefix("compatibility") == true })
        let zh = screen("表带 适用机型：劳力士、耐克 运动款")
        #expect(zh.verdict == .pass && zh.findings.count == 2, "\(zh.findings)")
        let separate = screen("Phone stand compatible with all phones. Nike running shoes")
        #expect(active(separate) == ["GL-BRD-1"])
        let loose = screen("Running shoes for men fits all sizes Nike")
        #expect(active(loose) == ["GL-BRD-1"])
    }

    @Test func traditionalChineseMatchesSimplifiedTerms() {
        let r = Screener(catalogue: Self.catalogue, market: .cn).screen(ScreeningInput(title: "新款電子煙 最佳口感 國家級品質"))
        #expect(Set(active(r)) == ["CN-PRO-1", "CN-AD-1", "CN-AD-2"])
        #expect(r.verdict == .reject)
        // Market rules stay in their market.
        #expect(screen("新款電子煙", .us).verdict == .pass)
    }

    @Test func wordBoundariesForLatinTerms() {
        #expect(screen("toy gun for kids").verdict == .reject)
        #expect(screen("begun shipping", .us).verdict == .pass)
        #expect(screen("gun-metal finish", .us).findings.map(\.ruleId) == ["US-PRO-1"])   // hyphen is a boundary
        #expect(screen("Ralph Lauren polo").findings.map(\.ruleId) == ["GL-BRD-2"])
        #expect(screen("Ralph Laurent bag").verdict == .pass)
    }

    @Test func certificatesAndAuthorisationsTurnFindingsIntoNotes() {
        let noCert = screen("20000mAh power bank fast charge")
        #expect(noCert.verdict == .review && active(noCert) == ["GL-RES-1"])
        let cert = screen("20000mAh power bank fast charge", context: ScreeningContext(certificates: ["un38.3"]))
        #expect(cert.verdict == .pass)
        #expect(cert.findings.first?.disposition == .note && cert.findings.first?.reason == "certificate on file: UN38.3")
        let authorised = screen("Nike Air Max", context: ScreeningContext(authorisedBrands: ["Nike"]))
        #expect(authorised.verdict == .pass && authorised.findings.first?.reason == "authorised brand")
    }

    @Test func everyFieldIsScreenedAndNamed() {
        let input = ScreeningInput(title: "Carved figurine", description: "Hand carved from genuine ivory.",
                                   attributes: [("material", "象牙")], imageTexts: ["ROLEX"])
        let r = Screener(catalogue: Self.catalogue, market: .eu).screen(input)
        #expect(Set(r.findings.map(\.field)) == ["description", "attributes.material", "images[0]"])
        #expect(r.verdict == .reject)
    }

    @Test func catalogueVersionChangesWithContent() {
        var other = Self.catalogue
        other.entries[0].variants.append("naik")
        #expect(other.version != Self.catalogue.version)
        #expect(Screener(catalogue: Self.catalogue, market: .us).catalogueVersion == Self.catalogue.version)
    }
}

@Suite struct AhoCorasickTests {
    @Test func findsOverlappingPatterns() {
        let ac = AhoCorasick(patterns: ["he", "she", "his", "hers"].map { $0.unicodeScalars.map(\.value) })
        let found = ac.matches(in: "ushers".unicodeScalars.map(\.value)).map { ($0.pattern, $0.first, $0.last) }
        #expect(found.map(\.0).sorted() == [0, 1, 3])
        #expect(found.contains { $0 == (1, 1, 3) } && found.contains { $0 == (3, 2, 5) })
    }

    @Test func agreesWithANaiveSearchOnRandomText() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [UInt32] = [97, 98, 99, 0x4E00, 0x4E01]
        let patterns = (0..<60).map { _ in (0..<Int.random(in: 1...4, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! } }
        let text = (0..<2000).map { _ in alphabet.randomElement(using: &rng)! }
        let ac = AhoCorasick(patterns: patterns)
        var expected = Set<[Int]>()
        for (pi, p) in patterns.enumerated() where p.count <= text.count {
            for start in 0...(text.count - p.count) where Array(text[start..<start + p.count]) == p { expected.insert([pi, start]) }
        }
        let got = Set(ac.matches(in: text).map { [$0.pattern, $0.first] })
        #expect(got == expected)
    }
}

@Suite struct CatalogueCSVTests {
    @Test func roundTripsAndRejectsBadRows() throws {
        let csv = CatalogueCSV.export(ScreeningEngineTests.catalogue.entries)
        let parsed = try CatalogueCSV.parseEntries(csv)
        #expect(parsed == ScreeningEngineTests.catalogue.entries)
        let bad = CatalogueCSV.header.joined(separator: ",") + "\nX-1,MARS,prohibited,foo,,en,word,,3,src,,,\n"
        #expect(throws: CatalogueCSV.RowError(line: 2, column: "market", message: "unknown market MARS", zh: "未知市场 MARS")) { try CatalogueCSV.parseEntries(bad) }
        let unsourced = CatalogueCSV.header.joined(separator: ",") + "\nX-1,US,prohibited,foo,,en,word,,3,,,,\n"
        #expect(throws: CatalogueCSV.RowError.self) { try CatalogueCSV.parseEntries(unsourced) }
    }
}
