import Compliance
import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport

/// CMP1: a versioned catalogue, edited with four-eyes approval, imported and exported as CSV or YAML, with
/// effective dates; approved changes re-screen every live listing of the markets they touch (CMP2) and put
/// newly prohibited live listings on the 24 h takedown clock (CMP3).
@Suite struct CatalogueLifecycleTests {
    typealias H = ComplianceHarness

    @Test func fourEyesVersionsAndRescreen() async throws {
        try await H.with { h in
            let bundled = try CatalogueCSV.bundled()
            let (v1, c1) = try await h.catalogue.current()
            #expect(v1 == 1 && c1.entries.count == bundled.entries.count)
            let bottle = try await h.listings.create(try H.input("Sports water bottle, contains zorbium", markets: ["EU"]), by: H.merchantA)
            let mug = try await h.listings.create(try H.input("Zorbium-free coffee mug", markets: ["US"]), by: H.merchantB)
            #expect(bottle.status == .active && mug.status == .active)

            let proposal = try await h.catalogue.propose(ops: [.upsert(H.rule("EU-PRO-T1", .eu, .prohibited, "contains zorbium"))],
                                                         summary: "EU: zorbium ban", by: H.officer)
            #expect(proposal.status == .pending)
            // Nothing changes before approval.
            #expect(try await h.catalogue.current().0 == 1)
            await #expect(throws: CommonError.conflict(code: "four-eyes", en: "A change must be approved by someone other than its proposer.",
                                                       zh: "变更须由提议人以外的人员审批（四眼原则）。")) {
                try await h.catalogue.approve(proposal.id.rawValue, reason: nil, by: H.officer)
            }
            await #expect(throws: CommonError.denied(.catalogueEdit, role: .merchantAdmin)) {
                try await h.catalogue.approve(proposal.id.rawValue, reason: nil, by: H.merchantA)
            }
            let (approved, jobs) = try await h.catalogue.approve(proposal.id.rawValue, reason: "OJ checked", by: H.officer2)
            #expect(approved.status == .approved && approved.resultVersion == 2 && approved.decidedBy == H.officer2.actorId)
            #expect(jobs.map(\.market) == [.eu] && jobs[0].total == 1)   // only the EU is touched, one live EU listing
            await #expect(throws: CommonError.invalidTransition(entity: "catalogue change", from: "approved", to: "approved")) {
                try await h.catalogue.approve(proposal.id.rawValue, reason: nil, by: H.admin)
            }
            let done = try await h.rescreens.drain()
            #expect(done.count == 1 && done[0].status == .done && done[0].processed == 1 && done[0].casesOpened == 1 && done[0].percent == 100)
            // The live listing stays on sale, on a 24 h clock, with the new finding recorded.
            let after = try await h.listings.get(bottle.id, by: H.officer)
            #expect(after.status == .active && after.verdict == .reject && after.findings.contains { $0.finding.ruleId == "EU-PRO-T1" })
            let cases = try await h.takedowns.list(status: .open, by: H.officer)
            #expect(cases.map(\.listingId) == [bottle.id] && cases[0].trigger == .rescreen
                    && cases[0].dueAt == TestFixtures.start.addingTimeInterval(24 * 3600))
            #expect(try await h.listings.get(mug.id, by: H.officer).findings.isEmpty)
            let versions = try await h.catalogue.versions(by: H.officer)
            #expect(versions.map(\.version) == [2, 1] && versions[0].changeId == proposal.id.rawValue)
            let inForce = try await h.catalogue.current().1.effective(on: "2026-03-02")
            #expect(h.screening.installedVersion == inForce.version)
        }
    }

    @Test func rejectedAndInvalidProposalsChangeNothing() async throws {
        try await H.with { h in
            let bad = await #expect(throws: ValidationError.self) {
                try await h.catalogue.propose(ops: [.delete("NO-SUCH-RULE")], summary: "remove", by: H.officer)
            }
            #expect(bad?.fieldErrors.map(\.field) == ["ops[0].delete"])
            let empty = await #expect(throws: ValidationError.self) { try await h.catalogue.propose(ops: [], summary: "", by: H.officer) }
            #expect(empty?.fieldErrors.map(\.field) == ["summary", "ops"])
            let p = try await h.catalogue.propose(ops: [.delete("US-PRO-0005")], summary: "drop crib bumpers", by: H.officer)
            let rejected = try await h.catalogue.reject(p.id.rawValue, reason: "Still in force (15 U.S.C. 2057d)", by: H.officer2)
            #expect(rejected.status == .rejected && rejected.resultVersion == nil)
            #expect(try await h.catalogue.current().0 == 1)
            #expect(try await h.catalogue.changes(status: .pending, by: H.officer).isEmpty)
            await #expect(throws: CommonError.denied(.catalogueRead, role: .merchantAdmin)) { try await h.catalogue.changes(status: nil, by: H.merchantA) }
            // Two proposals retiring the same rule: the second is stale once the first is approved.
            let a = try await h.catalogue.propose(ops: [.delete("JP-PRO-0001")], summary: "a", by: H.officer)
            let b = try await h.catalogue.propose(ops: [.delete("JP-PRO-0001")], summary: "b", by: H.officer)
            _ = try await h.catalogue.approve(a.id.rawValue, reason: nil, by: H.officer2)
            await #expect(throws: CommonError.self) { try await h.catalogue.approve(b.id.rawValue, reason: nil, by: H.officer2) }
            #expect(try await h.catalogue.change(b.id.rawValue, by: H.officer).status == .pending)
            #expect(try await h.catalogue.current().0 == 2)
        }
    }

    @Test func importExportRoundTripsInBothFormats() async throws {
        try await H.with { h in
            let csv = try await h.catalogue.export(format: .csv)
            let yaml = try await h.catalogue.export(format: .yaml)
            let (_, current) = try await h.catalogue.current()
            #expect(try CatalogueCSV.parseEntries(csv) == current.entries)
            #expect(try CatalogueYAML.parseEntries(yaml) == current.entries)
            // Re-importing the export is not a change.
            await #expect(throws: CommonError.self) { try await h.catalogue.importFile(csv, format: .csv, replace: true, summary: nil, by: H.officer) }
            // Merge: one edited rule and one new; replace with a single market's file retires the others.
            var lines = csv.components(separatedBy: "\r\n")   // RFC 4180 line ends
            let i = try #require(lines.firstIndex { $0.hasPrefix("US-PRO-0005,") })
            lines[i] = lines[i].replacingOccurrences(of: "crib bumper pads", with: "crib bumper pads|bumper pad for crib")
            lines.insert("JP-PRO-T9,JP,prohibited,test banned gadget,,any,word,,4,Test Act Art. 1,https://example.jp/law,,", at: 1)
            let merge = try await h.catalogue.importFile(lines.joined(separator: "\r\n"), format: .csv, replace: false, summary: nil, by: H.officer)
            #expect(Set(merge.ops.map(\.ruleId)) == ["US-PRO-0005", "JP-PRO-T9"])
            let us = try await h.catalogue.export(format: .yaml, market: .us)
            let replace = try await h.catalogue.importFile(us, format: .yaml, replace: true, summary: "US only", by: H.officer)
            #expect(replace.ops.allSatisfy { if case .delete = $0 { return true } else { return false } })
            #expect(replace.ops.count == current.entries.filter { $0.market != .us }.count)
            // Errors name the line and column; nothing is proposed.
            let broken = await #expect(throws: ValidationError.self) {
                try await h.catalogue.importFile(CatalogueCSV.header.joined(separator: ",")
                                                 + "\nX-1,MARS,prohibited,x,,any,word,,3,src,,,\nX-2,us,prohibited,y,,any,word,,9,src,,,\nX-3,JP,prohibited,z,,any,word,,3,,,,",
                                                 format: .csv, replace: false, summary: nil, by: H.officer)
            }
            // Every bad row is named (the lower-case market is accepted; the severity and the missing source are not).
            #expect(broken?.fieldErrors.map(\.field) == ["content", "content", "content"])
            #expect(broken?.fieldErrors.map { String($0.message.en.prefix(7)) } == ["line 2,", "line 3,", "line 4,"])
            #expect(try await h.catalogue.changes(status: .pending, by: H.officer).count == 2)
        }
    }

    @Test func rulesComeIntoForceOnTheirEffectiveDate() async throws {
        try await H.with { h in
            let l = try await h.listings.create(try H.input("Quuxite desk lamp", markets: ["JP"]), by: H.merchantA)
            // 2026-03-02 today; the rule applies from 2026-03-04.
            try await h.change([.upsert(H.rule("JP-PRO-T2", .jp, .prohibited, "quuxite", effectiveFrom: "2026-03-04"))])
            #expect(try await h.listings.get(l.id, by: H.officer).findings.isEmpty)
            let early = try await h.listings.create(try H.input("Quuxite table lamp", markets: ["JP"]), by: H.merchantA)
            #expect(early.status == .active)
            h.clock.advance(by: 2 * 86400)
            #expect(try await h.catalogue.sync())
            let jobs = try await h.rescreens.drain()
            #expect(jobs.map(\.market) == [.jp] && jobs[0].processed == 2 && jobs[0].casesOpened == 2)
            let blocked = try await h.listings.create(try H.input("Quuxite floor lamp", markets: ["JP"]), by: H.merchantA)
            #expect(blocked.status == .rejected)
            #expect(try await h.catalogue.sync() == false)   // same day, same version: nothing to do
        }
    }

    @Test func jobsRunInBatchesAndReportProgress() async throws {
        try await H.with { h in
            for i in 0..<5 { _ = try await h.listings.create(try H.input("Plain mug \(i)", markets: ["AU"]), by: H.merchantA) }
            let jobs = try await h.rescreens.enqueue(markets: ["AU"], reason: "manual", by: H.admin)
            #expect(jobs.count == 1 && jobs[0].total == 5)
            // Two batches of 3: the progress callback sees the cursor move.
            let seen = ProgressLog()
            let job = try #require(try await h.rescreens.runNext(batchSize: 3, progress: { seen.append($0.processed) }))
            #expect(job.status == .done && job.processed == 5 && seen.values == [3, 5])
            #expect(try await h.rescreens.runNext()?.id == nil)
            #expect(try await h.rescreens.get(job.id.rawValue, by: H.officer).processed == 5)
            await #expect(throws: CommonError.denied(.rescreensRead, role: .merchantAdmin)) { try await h.rescreens.list(by: H.merchantA) }
        }
    }
}

final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    func append(_ v: Int) { lock.lock(); items.append(v); lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return items }
}
