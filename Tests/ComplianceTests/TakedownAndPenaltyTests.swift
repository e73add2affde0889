import Compliance
import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport

/// CMP3: takedown cases on a 24 h clock, escalated and counted; CMP4: penalty points per calendar year with
/// thresholds, appeals decided by a second officer, and store closure honoured by listings.
@Suite struct TakedownAndPenaltyTests {
    typealias H = ComplianceHarness

    /// A live listing reported by an officer: an open case.
    static func reported(_ h: H, _ title: String, by merchant: Principal = H.merchantA) async throws -> (Listing, TakedownCase) {
        let l = try await h.listings.create(try H.input(title), by: merchant)
        let c = try await h.takedowns.report(listingId: l.id.rawValue, category: "brand", reason: "rights holder notice", by: H.officer)
        return (l, c)
    }

    @Test func resolvingTakesDownAndIssuesPoints() async throws {
        try await H.with { h in
            let (l, c) = try await Self.reported(h, "Monogram canvas tote")
            #expect(c.status == .open && c.trigger == .report)
            await #expect(throws: CommonError.self) {   // one open case per listing
                try await h.takedowns.report(listingId: l.id.rawValue, category: "brand", reason: "again", by: H.officer)
            }
            let bad = await #expect(throws: ValidationError.self) { try await h.takedowns.resolve(c.id.rawValue, action: "delete", reason: "", by: H.officer) }
            #expect(bad?.fieldErrors.map(\.field) == ["action", "reason"])
            await #expect(throws: CommonError.denied(.takedownsDecide, role: .merchantAdmin)) {
                try await h.takedowns.resolve(c.id.rawValue, action: "clear", reason: "mine", by: H.merchantA)
            }
            h.clock.advance(by: 3600)
            let (done, listing) = try await h.takedowns.resolve(c.id.rawValue, action: "take-down", reason: "Counterfeit confirmed", by: H.officer)
            #expect(done.status == .takenDown && listing.status == .takenDown && done.sla.state(at: h.clock.now()) == .met)
            let pens = try await h.penalties.list(merchantId: nil, year: nil, status: nil, by: H.officer)
            #expect(pens.map(\.violation) == [.infringement] && pens[0].points == 6 && pens[0].caseId == c.id.rawValue)
            let standing = try await h.penalties.standing("mer_a", by: H.merchantA)
            #expect(standing.points == 6 && standing.sanctions == [.warning] && standing.next == .searchDemotion && standing.nextAt == 12)
        }
    }

    @Test func breachesAreEscalatedOnceAndCounted() async throws {
        try await H.with { h in
            let (_, late) = try await Self.reported(h, "Designer-inspired wallet")
            let (_, onTime) = try await Self.reported(h, "Designer-inspired belt")
            h.clock.advance(by: 2 * 3600)
            _ = try await h.takedowns.resolve(onTime.id.rawValue, action: "clear", reason: "Licensed design, invoice on file", by: H.officer)
            h.clock.advance(by: 23 * 3600)    // 25 h after opening
            let escalated = try await h.escalateBreaches()
            #expect(escalated == [late.id])
            #expect(try await h.escalateBreaches().isEmpty)   // once
            #expect(try await h.takedowns.get(late.id.rawValue, by: H.officer).escalatedAt == h.clock.now())
            let audit = try await AuditLog.recent(h.db, merchantId: "mer_a", limit: 50).map(\.action)
            #expect(audit.filter { $0 == "takedown.breached" }.count == 1)
            let (_, _) = try await h.takedowns.resolve(late.id.rawValue, action: "take-down", reason: "Late but done", by: H.officer)
            let stats = try await h.takedowns.stats(from: TestFixtures.start.addingTimeInterval(-60), to: h.clock.now())
            #expect(stats.opened == 2 && stats.resolvedInTime == 1 && stats.breached == 1 && stats.open == 0 && stats.onTimeRate == 0.5)
            #expect(stats.medianResolutionMinutes == 25 * 60)
        }
    }

    /// Issue 10 item 4: a merchant's edit (even an empty PATCH by staff) proposes a fix; only an officer closes a reported case.
    @Test func merchantEditNeverClosesAReportedCase() async throws {
        try await H.with { h in
            let staff = Principal(actorId: "usr_ms", userId: "usr_ms", merchantId: "mer_a", role: .merchantStaff, channel: .apiKey)
            let (l, c) = try await Self.reported(h, "Designer-inspired scarf")
            _ = try await h.listings.update(l.id, ListingInput(), by: staff)     // PATCH {}
            let edited = try await h.listings.update(l.id, ListingInput(title: "Plain silk scarf"), by: H.merchantA)
            #expect(edited.status == .active)
            let still = try await h.takedowns.get(c.id.rawValue, by: H.officer)
            #expect(still.status == .open && still.resolvedAt == nil)
            let audit = try await AuditLog.recent(h.db, merchantId: "mer_a", limit: 50).map(\.action)
            #expect(audit.filter { $0 == "takedown.fix-proposed" }.count == 2)
            // Nothing was resolved in time by the edits; the clock runs on and breaches without an officer.
            h.clock.advance(by: 25 * 3600)
            #expect(try await h.escalateBreaches() == [c.id])
            let stats = try await h.takedowns.stats(from: TestFixtures.start.addingTimeInterval(-60), to: h.clock.now())
            #expect(stats.resolvedInTime == 0 && stats.breached == 1 && stats.open == 1 && stats.curedByEdit == 0)
            // The officer's decision closes it, with the penalty the edit used to dodge.
            _ = try await h.takedowns.resolve(c.id.rawValue, action: "take-down", reason: "Counterfeit confirmed", by: H.officer)
            #expect(try await h.penalties.list(merchantId: "mer_a", year: nil, status: nil, by: H.officer).count == 1)
        }
    }

    @Test func officerDecisionsOnTheListingCloseTheCase() async throws {
        try await H.with { h in
            let (l2, c2) = try await Self.reported(h, "Designer-inspired hat")
            _ = try await h.listings.moderate(l2.id, to: .takenDown, reason: "Counterfeit", by: H.officer)
            #expect(try await h.takedowns.get(c2.id.rawValue, by: H.officer).status == .takenDown)
            let (_, c3) = try await Self.reported(h, "Designer-inspired cap")
            let (rc, rl) = try await h.takedowns.resolve(c3.id.rawValue, action: "request-change", reason: "Remove the logo photo", by: H.officer)
            #expect(rc.status == .changesRequested && rl.status == .needsReview)
        }
    }

    /// A screening-triggered case auto-clears on an edit only when its findings are gone and an edit can cure them (brand
    /// mentions); prohibited goods wait for an officer however the merchant rewords them.
    @Test func screeningCaseAutoClearsOnlyForCurableFindingsThatAreGone() async throws {
        try await H.with { h in
            let brand = try await h.listings.create(try H.input("Tote bag in zorblux style", markets: ["EU"]), by: H.merchantA)
            let goods = try await h.listings.create(try H.input("Water bottle, contains zorbium", markets: ["EU"]), by: H.merchantA)
            let p = try await h.catalogue.propose(ops: [.upsert(H.rule("EU-BRD-T1", .eu, .brand, "zorblux")),
                                                        .upsert(H.rule("EU-PRO-T2", .eu, .prohibited, "contains zorbium"))],
                                                  summary: "test rules", by: H.officer)
            _ = try await h.catalogue.approve(p.id.rawValue, reason: "ok", by: H.officer2)
            _ = try await h.rescreens.drain()
            let cases = try await h.takedowns.list(status: .open, by: H.officer)
            let brandCase = try #require(cases.first { $0.listingId == brand.id })
            let goodsCase = try #require(cases.first { $0.listingId == goods.id })
            #expect(brandCase.trigger == .rescreen && goodsCase.trigger == .rescreen)
            // An edit that keeps the brand does not cure it.
            _ = try await h.listings.update(brand.id, ListingInput(description: "Still zorblux."), by: H.merchantA)
            #expect(try await h.takedowns.get(brandCase.id.rawValue, by: H.officer).status == .open)
            _ = try await h.listings.update(brand.id, ListingInput(title: "Plain canvas tote bag", description: "Plain."), by: H.merchantA)
            #expect(try await h.takedowns.get(brandCase.id.rawValue, by: H.officer).status == .fixed)
            _ = try await h.listings.update(goods.id, ListingInput(title: "Water bottle"), by: H.merchantA)
            #expect(try await h.takedowns.get(goodsCase.id.rawValue, by: H.officer).status == .open)
            h.clock.advance(by: 60)
            let stats = try await h.takedowns.stats(from: TestFixtures.start.addingTimeInterval(-60), to: h.clock.now())
            #expect(stats.curedByEdit == 1 && stats.resolvedInTime == 0 && stats.open == 1)
        }
    }

    @Test func tenantsCannotSeeEachOthersCasesOrPenalties() async throws {
        try await H.with { h in
            let (_, c) = try await Self.reported(h, "Designer-inspired gloves")
            _ = try await h.takedowns.resolve(c.id.rawValue, action: "take-down", reason: "Counterfeit", by: H.officer)
            await #expect(throws: CommonError.notFound(entity: "takedown case", id: c.id.rawValue)) { try await h.takedowns.get(c.id.rawValue, by: H.merchantB) }
            #expect(try await h.takedowns.list(status: nil, by: H.merchantB).isEmpty)
            #expect(try await h.takedowns.list(status: nil, by: H.merchantA).count == 1)
            let pen = try #require(try await h.penalties.list(merchantId: nil, year: nil, status: nil, by: H.merchantA).first)
            #expect(try await h.penalties.list(merchantId: "mer_a", year: nil, status: nil, by: H.merchantB).isEmpty)
            await #expect(throws: CommonError.notFound(entity: "penalty", id: pen.id.rawValue)) {
                try await h.penalties.appeal(pen.id.rawValue, reason: "not mine", by: H.merchantB)
            }
            await #expect(throws: CommonError.notFound(entity: "merchant", id: "mer_a")) { try await h.penalties.standing("mer_a", by: H.merchantB) }
        }
    }

    @Test func thresholdsAppealsAndStoreClosure() async throws {
        try await H.with { h in
            let live = try await h.listings.create(try H.input("Plain teapot"), by: H.merchantA)
            let first = try await h.penalties.issue(merchantId: "mer_a", violation: "prohibited", points: nil, listingId: nil,
                                                    reason: "Ivory carving listed", by: H.officer)
            #expect(first.points == 12 && first.year == 2026)
            #expect(try await h.penalties.sanctions(for: "mer_a") == [.warning, .searchDemotion])
            // Appeal by the merchant, decided by a different officer.
            let appealed = try await h.penalties.appeal(first.id.rawValue, reason: "It was resin, lab report attached", by: H.merchantA)
            #expect(appealed.status == .appealed)
            await #expect(throws: CommonError.self) {
                try await h.penalties.decideAppeal(first.id.rawValue, outcome: "overturned", points: nil, note: "self", by: H.officer)
            }
            let reduced = try await h.penalties.decideAppeal(first.id.rawValue, outcome: "reduced", points: 4, note: "Resin confirmed; listing text misleading",
                                                             by: H.officer2)
            #expect(reduced.status == .active && reduced.points == 4 && reduced.appealOutcome == .reduced)
            #expect(try await h.penalties.sanctions(for: "mer_a") == [])
            // Four prohibited-goods penalties (48 points) close the store: no new listings.
            for i in 0..<4 {
                _ = try await h.penalties.issue(merchantId: "mer_a", violation: "prohibited", points: nil, listingId: nil, reason: "case \(i)", by: H.officer)
            }
            let standing = try await h.penalties.standing("mer_a", by: H.admin)
            #expect(standing.points == 52 && standing.has(.fundFreeze) && standing.has(.storeClosure) && standing.next == nil)
            await #expect(throws: CommonError.self) { try await h.listings.create(try H.input("Plain mug"), by: H.merchantA) }
            let closed = try await h.listings.get(live.id, by: H.merchantA)
            #expect(closed.status == .takenDown && closed.statusReason?.hasPrefix("store closed") == true)
            #expect(try await h.listings.create(try H.input("Plain mug"), by: H.merchantB).status == .active)
            let audit = try await AuditLog.recent(h.db, merchantId: "mer_a", limit: 100).map(\.action)
            #expect(audit.contains("penalty.appeal-reduced") && audit.filter { $0 == "merchant.sanctions-changed" }.count >= 3)
            // A new calendar year starts from zero.
            h.clock.set(Date(timeIntervalSince1970: 1_798_732_800 + 3600))   // 2027-01-01 01:00 Shanghai
            #expect(try await h.penalties.standing("mer_a", by: H.admin).points == 0)
        }
    }

    @Test func policyIsConfigurableAndValidated() async throws {
        try await H.with { h in
            var policy = try await h.penalties.policy()
            #expect(policy == .standard)
            policy.points["ad-word"] = 5
            policy.thresholds["warning"] = 4
            await #expect(throws: CommonError.denied(.penaltiesPolicy, role: .complianceOfficer)) { try await h.penalties.setPolicy(policy, by: H.officer) }
            _ = try await h.penalties.setPolicy(policy, by: H.admin)
            let p = try await h.penalties.issue(merchantId: "mer_b", violation: "ad-word", points: nil, listingId: nil, reason: "最佳", by: H.officer)
            let sanctions = try await h.penalties.sanctions(for: "mer_b")
            #expect(p.points == 5 && sanctions == [.warning])
            // Raising a threshold lifts sanctions already recorded (what Payments reads), not only future ones.
            policy.thresholds["warning"] = 6
            _ = try await h.penalties.setPolicy(policy, by: H.admin)
            #expect(try await h.penalties.sanctions(for: "mer_b").isEmpty)
            var broken = policy
            broken.thresholds["ad-ban"] = 1
            broken.points["teleport"] = 3
            let e = await #expect(throws: ValidationError.self) { try await h.penalties.setPolicy(broken, by: H.admin) }
            #expect(Set(e?.fieldErrors.map(\.field) ?? []) == ["points.teleport", "thresholds.ad-ban"])
        }
    }
}
