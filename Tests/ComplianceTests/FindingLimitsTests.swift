import Compliance
import Foundation
import Kernel
import Testing
import TestSupport

/// CMP2: one screening reports at most 20 findings per rule and 200 in all, counts what it cut, and the cut never
/// changes the verdict.
@Suite struct FindingLimitsTests {
    let screener = Screener(catalogue: ScreeningEngineTests.catalogue, market: .us)
    let text = String(repeating: "nike ", count: 300) + String(repeating: "rolex ", count: 300) + "ivory"

    @Test func capsPerRuleAndCountsTheRest() {
        let all = screener.screen(ScreeningInput(title: "x", description: text), limits: FindingLimits(perRule: .max, total: .max))
        #expect(all.findings.count == 601 && all.omittedFindings == 0)
        let capped = screener.screen(ScreeningInput(title: "x", description: text))
        #expect(capped.verdict == all.verdict)
        #expect(Dictionary(grouping: capped.findings, by: \.ruleId).mapValues(\.count) == ["GL-BRD-1": 20, "GL-BRD-3": 20, "GL-PRO-1": 1])
        #expect(capped.findings.count + capped.omittedFindings == 601)
        // Kept in text order: the first hits of each rule.
        #expect(capped.findings.map(\.start) == capped.findings.map(\.start).sorted())
        #expect(capped.findings.first?.start == 0)
    }

    @Test func overallCapKeepsWhatDecidesTheVerdict() {
        let tight = screener.screen(ScreeningInput(title: "x", description: text), limits: FindingLimits(perRule: 20, total: 5))
        #expect(tight.findings.count == 5 && tight.omittedFindings == 596)
        #expect(tight.findings.contains { $0.ruleId == "GL-PRO-1" })   // the most severe rejecting finding survives
        #expect(tight.verdict == .reject)
        // Active findings come before notes within a rule: an authorised-brand note does not crowd out a live hit.
        let mixed = "compatible with nike. " + String(repeating: "nike ", count: 30)
        let r = screener.screen(ScreeningInput(title: "x", description: mixed), limits: FindingLimits(perRule: 3, total: 200))
        #expect(r.findings.count == 3 && r.findings.allSatisfy { $0.disposition == .active })
        #expect(r.verdict == .reject)
    }

    /// Hits past a rule's cap are only counted, not built: the result is the same as building everything and capping.
    @Test func skippingHitsPastTheCapChangesNothing() {
        let mixed = String(repeating: "case for nike. nike ivory-coloured rolex, ", count: 80) + String(repeating: "compatible with rolex. ", count: 40)
        let input = ScreeningInput(title: "Nike", description: mixed, attributes: [(name: "brand", value: "rolex nike")])
        let everything = screener.screen(input, limits: FindingLimits(perRule: .max, total: .max))
        for limits in [FindingLimits(), FindingLimits(perRule: 3, total: 200), FindingLimits(perRule: 20, total: 7)] {
            let fast = screener.screen(input, limits: limits)
            let (kept, omitted) = limits.apply(everything.findings)
            #expect(fast.findings == kept && fast.omittedFindings == omitted && fast.verdict == everything.verdict, "\(limits)")
        }
    }
}
