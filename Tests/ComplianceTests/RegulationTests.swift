import Compliance
import Foundation
import Kernel
import Testing
import TestSupport

/// CMP6: regulation changes must reach the catalogue within 10 working days (Chinese calendar), measured;
/// CMP9: country risk levels with response measures.
@Suite struct RegulationTests {
    typealias H = ComplianceHarness

    @Test func bundledRegulationsAndRisksAreSeeded() async throws {
        try await H.with { h in
            let all = try await h.regulations.list()
            #expect(all.count >= 80 && all.allSatisfy { $0.url.hasPrefix("http") && !$0.summary.isEmpty })
            let (_, cat) = try await h.catalogue.current()
            let ids = Set(cat.entries.map(\.id))
            #expect(all.flatMap(\.ruleIds).allSatisfy(ids.contains))
            #expect(try await h.regulations.list(market: .jp).allSatisfy { $0.market == .jp })
            let day = LocalDate(h.clock.now(), in: TimeZone(identifier: "Asia/Shanghai")!)
            #expect(all.allSatisfy { $0.state(today: day) == .baseline })
            let risks = try await h.regulations.risks()
            #expect(risks.count >= 50)
            #expect(try await h.regulations.risk("ir").level == .severe)
            try await h.regulations.seed()   // idempotent
            #expect(try await h.regulations.list().count == all.count)
        }
    }

    @Test func lagIsMeasuredInWorkingDays() async throws {
        try await H.with { h in
            // Changed Friday 2026-02-13, before the Spring Festival break (2026-02-15 … 02-23 off, 02-14 and 02-28 make-up workdays).
            let r = try await h.regulations.record(RegulationInput(
                country: "US", market: "US", title: "Test Safety Rule", authority: "CPSC", url: "https://www.cpsc.gov/test",
                changedOn: "2026-02-13", summary: "Bans test widgets.", ruleIds: ["US-PRO-T7"]), by: H.officer)
            let cal = ChineseWorkingDayCalendar.official
            #expect(r.dueOn == cal.workingDay(10, after: try LocalDate(parsing: "2026-02-13")))
            #expect(r.id == "test-safety-rule-2026-02-13")
            let today = try LocalDate(parsing: "2026-03-02")
            #expect(r.state(today: today) == (today > r.dueOn ? .overdue : .pending))
            let stats0 = try await h.regulations.lagStats()
            #expect(stats0.pending + stats0.overdue == 1 && stats0.measured == 0)
            try await h.change([.upsert(H.rule("US-PRO-T7", .us, .prohibited, "test widget"))], regulationIds: [r.id])
            let done = try await h.regulations.get(r.id)
            let expectedLag = cal.workingDays(from: try LocalDate(parsing: "2026-02-13"), to: today)
            #expect(done.catalogueUpdatedOn == today && done.lagWorkingDays == expectedLag)
            #expect(done.state(today: today) == (done.lagWorkingDays! <= 10 ? .met : .late))
            let stats = try await h.regulations.lagStats()
            #expect(stats.measured == 1 && stats.medianLagWorkingDays == done.lagWorkingDays)
            let unknown = await #expect(throws: ValidationError.self) {
                try await h.catalogue.propose(ops: [.delete("US-PRO-T7")], summary: "x", regulationIds: ["nope"], by: H.officer)
            }
            #expect(unknown?.fieldErrors.map(\.field) == ["regulationIds[0]"])
        }
    }

    @Test func validationAndRiskAssessment() async throws {
        try await H.with { h in
            let e = await #expect(throws: ValidationError.self) {
                try await h.regulations.record(RegulationInput(country: "XX", market: "MARS", title: "", authority: "a", url: "ftp://x",
                                                               changedOn: "2026-13-01", summary: "s"), by: H.officer)
            }
            #expect(e?.fieldErrors.map(\.field) == ["country", "market", "title", "url", "changedOn"])
            let rules = await #expect(throws: ValidationError.self) {
                try await h.regulations.record(RegulationInput(country: "US", market: "US", title: "T", authority: "CPSC", url: "https://www.cpsc.gov/t",
                                                               changedOn: "2026-02-13", summary: "s", ruleIds: ["US-PRO-0001", "", "US PRO; DROP"]),
                                               by: H.officer)
            }
            #expect(rules?.fieldErrors.map(\.field) == ["ruleIds[1]", "ruleIds[2]"])
            await #expect(throws: CommonError.denied(.regulationsEdit, role: .merchantAdmin)) {
                try await h.regulations.record(RegulationInput(country: "US"), by: H.merchantA)
            }
            let before = try await h.regulations.risk("RU")
            let after = try await h.regulations.assess("ru", level: "high", basis: "Re-assessed", measuresEn: "Enhanced screening.",
                                                       measuresZh: "加强筛查。", by: H.officer)
            #expect(after.level == .high && after.updatedBy == H.officer.actorId)
            #expect(before.level != after.level || before.basis != after.basis)
            let bad = await #expect(throws: ValidationError.self) { try await h.regulations.assess("RU", level: "doom", basis: nil, measuresEn: nil, measuresZh: nil, by: H.officer) }
            #expect(bad?.fieldErrors.map(\.field) == ["level", "basis", "measuresEn", "measuresZh"])
            await #expect(throws: CommonError.notFound(entity: "country risk", id: "QQ")) {
                try await h.regulations.assess("QQ", level: "low", basis: "b", measuresEn: "m", measuresZh: "m", by: H.officer)
            }
        }
    }
}
