import Compliance
import Foundation
import Kernel
import Testing
import TestSupport

/// The service around the engine: validation naming fields, size limits, fail-closed behaviour.
@Suite struct ScreeningServiceTests {
    let service = ScreeningService(clock: FixedClock(TestFixtures.start)) { ScreeningEngineTests.catalogue }

    @Test func screensAndStampsTheCatalogueVersion() throws {
        let o = try service.screen(ScreeningRequest(market: "cn", title: "國家級 电子烟", attributes: ["colour": "black"]))
        #expect(o.market == .cn && o.result.verdict == .reject)
        #expect(o.result.catalogueVersion == ScreeningEngineTests.catalogue.version)
        #expect(o.screenedAt == TestFixtures.start)
    }

    @Test func unknownMarketAndMissingTitleAreNamed() {
        let e = #expect(throws: ValidationError.self) { try service.screen(ScreeningRequest(market: "MARS", title: " ")) }
        #expect(e?.fieldErrors.map(\.field) == ["market", "title"])
        let global = #expect(throws: ValidationError.self) { try service.screen(ScreeningRequest(market: "GLOBAL", title: "x")) }
        #expect(global?.fieldErrors.map(\.field) == ["market"])
    }

    @Test func oversizedFieldsAreRefused() {
        let big = String(repeating: "a", count: ContentLimits.description + 1)
        let e = #expect(throws: ValidationError.self) {
            try service.screen(ScreeningRequest(market: "US", title: "ok", description: big, attributes: ["spec": big]))
        }
        #expect(Set(e?.fieldErrors.map(\.field) ?? []) == ["description", "attributes.spec"])
        // At the limits it passes; one over each limit is named (CMP2).
        let atLimit = ScreeningRequest(market: "US", title: String(repeating: "t", count: ContentLimits.title),
                                       description: String(repeating: "d", count: ContentLimits.description),
                                       attributes: Dictionary(uniqueKeysWithValues: (0..<ContentLimits.attributes).map {
                                           ("k\($0)", String(repeating: "v", count: ContentLimits.attributeValue)) }))
        #expect(throws: Never.self) { try service.validate(atLimit) }
        let over = ScreeningRequest(market: "US", title: String(repeating: "t", count: ContentLimits.title + 1),
                                    attributes: Dictionary(uniqueKeysWithValues: (0..<10_000).map { ("k\($0)", "v") }),
                                    imageTexts: [String(repeating: "i", count: ContentLimits.imageText + 1)])
        let o = #expect(throws: ValidationError.self) { try service.validate(over) }
        #expect(o?.fieldErrors.map(\.field) == ["title", "attributes", "imageTexts[0]"])
        #expect(o?.fieldErrors.first?.message.zh.contains("最多 500 个字符") == true)
        // Combining marks count: one visible character with 30,000 marks is 30,001 characters, not 1.
        let stacked = "a" + String(repeating: "\u{0301}", count: 30_000)
        let c = #expect(throws: ValidationError.self) { try service.validate(ScreeningRequest(market: "US", title: "ok", description: stacked)) }
        #expect(c?.fieldErrors.map(\.field) == ["description"])
    }

    @Test func controlCharactersAndOddTextDoNotCrash() throws {
        let weird = "\u{0000}\u{0007}N\u{0301}\u{FEFF}ike\u{202E}\u{1F600}\u{E000}\u{10FFFF}"
        let o = try service.screen(ScreeningRequest(market: "US", title: weird))
        #expect(o.result.findings.contains { $0.ruleId == "GL-BRD-1" })
    }

    @Test func internalFailureFailsClosedToReview() throws {
        struct Broken: Error {}
        let broken = ScreeningService(clock: FixedClock(TestFixtures.start)) { throw Broken() }
        let o = try broken.screen(ScreeningRequest(market: "US", title: "Harmless mug"))
        #expect(o.result.verdict == .review)
        #expect(o.result.findings.first?.ruleId == "engine-error")
    }

    @Test func bundledCatalogueLoadsAndCitesSources() throws {
        let c = try CatalogueCSV.bundled()
        #expect(c.entries.count >= 300)
        #expect(c.entries.allSatisfy { !$0.source.isEmpty })
        for m in Market.destinations { #expect(c.entries.contains { $0.market == m }, "no rules for \(m)") }
        #expect(c.allowPhrases.count >= 40)
    }
}
