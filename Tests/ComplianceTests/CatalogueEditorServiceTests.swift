import Compliance
import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport

/// Issue 12 item 7 (CMP1): the catalogue editor's rules — search pages that reach every rule, a field-by-field diff,
/// rule ids, rule history and the hits a rule's page lists (written with each screening, backfilled by migration).
@Suite struct CatalogueEditorServiceTests {
    typealias H = ComplianceHarness

    @Test func searchPagesReachEveryRuleInEitherDirectionForEverySort() throws {
        let c = try CatalogueCSV.bundled()
        for sort in RuleQuery.Sort.allCases {
            for descending in [false, true] {
                var seen: [String] = []
                var after: String?
                var pages = 0
                repeat {
                    let page = try c.search(RuleQuery(sort: sort, descending: descending, limit: 37, after: after), on: "2026-01-01", pending: [])
                    seen += page.items.map(\.id)
                    after = page.next
                    pages += 1
                } while after != nil && pages < 100
                #expect(seen.count == c.entries.count && Set(seen).count == seen.count, "\(sort) \(descending)")
            }
        }
        let severe = try c.search(RuleQuery(sort: .severity, descending: true, limit: 5), on: "2026-01-01", pending: [])
        #expect(severe.items.allSatisfy { $0.severity == 5 })
        let pending = try c.search(RuleQuery(status: .pending), on: "2026-01-01", pending: ["US-PRO-0002", "JP-PRO-0001"])
        #expect(pending.items.map(\.id) == ["JP-PRO-0001", "US-PRO-0002"] && pending.next == nil)
        let scheduled = try c.search(RuleQuery(status: .scheduled), on: "1990-01-01", pending: [])
        #expect(scheduled.items.allSatisfy { $0.effectiveFrom > "1990-01-01" } && !scheduled.items.isEmpty)
        #expect(throws: ValidationError.self) { try c.search(RuleQuery(after: "not a cursor!"), on: "2026-01-01", pending: []) }
    }

    @Test func diffNamesEachChangedFieldAndIdsFollowTheBundledScheme() throws {
        let a = H.rule("X-1", .eu, .prohibited, "alpha"), b = H.rule("X-2", .us, .brand, "beta")
        var a2 = a
        a2.severity = 2
        a2.variants = ["alfa"]
        let diff = CatalogueDiff.between(Catalogue(entries: [a, b]), Catalogue(entries: [a2, H.rule("X-3", .jp, .taboo, "gamma")]))
        #expect(diff.added.map(\.id) == ["X-3"] && diff.retired.map(\.id) == ["X-2"])
        #expect(diff.changed.first?.fields == [.init(field: "variants", old: "", new: "alfa"), .init(field: "severity", old: "4", new: "2")])
        // A proposal's preview leaves out a retire that can no longer apply.
        #expect(CatalogueDiff.of([.delete("X-9"), .upsert(a2)], on: Catalogue(entries: [a])).changed.count == 1)
        #expect(CatalogueService.nextRuleId(market: .us, category: .prohibited, taken: ["US-PRO-0001", "US-PRO-0047", "US-RES-0100"]) == "US-PRO-0048")
        #expect(CatalogueService.nextRuleId(market: .global, category: .adWord, taken: []) == "GL-AD-0001")
        // Import errors in both languages, every bad column of a row.
        let bad = CatalogueCSV.header.joined(separator: ",") + "\nX-1,MARS,nonsense,foo,,en,word,,9,,,,\n"
        do { _ = try CatalogueCSV.parseEntries(bad); Issue.record("accepted") } catch let e as CatalogueCSV.RowError {
            #expect(e.all.map(\.column) == ["market", "category", "severity", "source"])
            #expect(e.all[0].located.zh == "第 2 行，市场（market）：未知市场 MARS" && e.all[0].located.en == "line 2, market: unknown market MARS")
        }
    }

    @Test func proposedRulesGoThroughFourEyesAndTheHistoryRecordsEachVersion() async throws {
        try await H.with { h in
            let input = CatalogueRuleInput(id: "", market: "EU", category: "prohibited", term: "contains zorbium", severity: 4, source: "Test Reg")
            let added = try await h.catalogue.proposeRule(input, editing: nil, summary: nil, by: H.officer)
            guard case .upsert(let rule) = added.ops[0] else { Issue.record("not an upsert"); return }
            #expect(rule.id.hasPrefix("EU-PRO-") && added.summary.hasPrefix("Add rule \(rule.id)"))
            #expect(!h.catalogue.mayDecide(added, by: H.officer) && h.catalogue.mayDecide(added, by: H.officer2))
            #expect(!h.catalogue.mayDecide(added, by: H.merchantA))
            await #expect(throws: CommonError.denied(.catalogueEdit, role: .merchantAdmin)) {
                try await h.catalogue.proposeRule(input, editing: nil, summary: nil, by: H.merchantA)
            }
            // An id already live must be edited, not added again; a form's bad fields are named in its own terms.
            await #expect(throws: ValidationError.self) {
                try await h.catalogue.proposeRule(CatalogueRuleInput(id: "US-PRO-0001", market: "US", category: "prohibited", term: "x", source: "s"),
                                                  editing: nil, summary: nil, by: H.officer)
            }
            let invalid = await #expect(throws: ValidationError.self) {
                try await h.catalogue.proposeRule(CatalogueRuleInput(id: "", market: "US", category: "prohibited", term: "x", source: "s",
                                                                     sourceUrl: nil, effectiveFrom: "tomorrow"), editing: nil, summary: nil, by: H.officer)
            }
            #expect(invalid?.fieldErrors.map(\.field) == ["effectiveFrom"])
            _ = try await h.catalogue.approve(added.id.rawValue, reason: nil, by: H.officer2)

            var edited = CatalogueRuleInput(rule)
            edited.severity = 2
            let edit = try await h.catalogue.proposeRule(edited, editing: rule.id, summary: nil, by: H.officer2)
            #expect(edit.summary.hasSuffix(": severity"))
            _ = try await h.catalogue.approve(edit.id.rawValue, reason: nil, by: H.officer)
            let retire = try await h.catalogue.proposeRetirement(rule.id, reason: "withdrawn", by: H.officer)
            let (pendingRetire, retireDiff, base) = try await h.catalogue.changeDiff(retire.id.rawValue, by: H.officer)
            #expect(pendingRetire.status == .pending && base == 3 && retireDiff.retired.map(\.id) == [rule.id])
            _ = try await h.catalogue.approve(retire.id.rawValue, reason: nil, by: H.officer2)

            let detail = try await h.catalogue.rule(rule.id, by: H.officer)
            #expect(!detail.live && detail.history.map(\.version) == [4, 3, 2] && detail.history.map(\.action) == [.retired, .changed, .added])
            #expect(detail.entry.severity == 2)
            // An approved change's diff is against the version before the one it made.
            let (_, editDiff, editBase) = try await h.catalogue.changeDiff(edit.id.rawValue, by: H.officer)
            #expect(editBase == 2 && editDiff.changed.first?.fields.map(\.field) == ["severity"])

            // A database from before the history table: the history is derived from the stored versions once.
            try await h.db.transaction { try await $0.delete(from: "catalogue_rule_history").run() }
            try await h.catalogue.bootstrap()
            let rebuilt = try await h.catalogue.rule(rule.id, by: H.officer)
            #expect(rebuilt.history.map(\.version) == [4, 3, 2] && rebuilt.history.map(\.action) == [.retired, .changed, .added])
            #expect(try await h.catalogue.rule("US-PRO-0001", by: H.officer).history.map(\.version) == [1])
        }
    }

    @Test func hitsFollowEachScreeningAndTheMigrationBackfillsThem() async throws {
        try await H.with { h in
            let darts = try await h.listings.create(try H.input("Vintage lawn darts set"), by: H.merchantA)
            let plain = try await h.listings.create(try H.input("Garden ring toss set"), by: H.merchantB)
            h.clock.advance(by: 60)
            let more = try await h.listings.create(try H.input("Lawn darts for kids"), by: H.merchantB)
            let hits = try await h.catalogue.hits(ruleId: "US-PRO-0001", limit: 1, after: nil, by: H.officer)
            #expect(hits.items.map(\.listingId) == [more.id] && hits.items.first?.listingTitle == "Lawn darts for kids")
            let second = try await h.catalogue.hits(ruleId: "US-PRO-0001", limit: 1, after: hits.next, by: H.officer)
            #expect(second.items.map(\.listingId) == [darts.id] && second.next == nil && second.items.first?.merchantId == H.merchantA.merchantId)
            #expect(!second.items.contains { $0.listingId == plain.id })
            await #expect(throws: CommonError.denied(.catalogueRead, role: .merchantAdmin)) {
                try await h.catalogue.hits(ruleId: "US-PRO-0001", limit: nil, after: nil, by: H.merchantA)
            }

            // The migration's backfill finds the same hits in the stored findings (on this engine's JSON functions).
            let before = try await h.catalogue.hits(ruleId: "US-PRO-0001", limit: 50, after: nil, by: H.officer).items
            let backfill = try #require(ComplianceMigrations.all.first { $0.version == 5 }?.statements(h.db.engine).first { $0.contains("INSERT INTO screening_hits") })
            try await h.db.transaction { sql in
                try await sql.delete(from: "screening_hits").run()
                try await sql.raw(SQLQueryString(backfill)).run()
            }
            let after = try await h.catalogue.hits(ruleId: "US-PRO-0001", limit: 50, after: nil, by: H.officer).items
            #expect(after == before && after.count == 2)

            // A new version of the listing without the term drops its hit.
            _ = try await h.listings.update(darts.id, try H.input("Garden ring toss set"), by: H.merchantA)
            #expect(try await h.catalogue.hits(ruleId: "US-PRO-0001", limit: 50, after: nil, by: H.officer).items.map(\.listingId) == [more.id])
        }
    }
}
