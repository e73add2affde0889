import Compliance
import Foundation
import Kernel
import Testing
import TestSupport

/// CMP5: certificates on file clear restricted findings only while valid; CMP8: disclosure per market and
/// discount claims against the 30-day price history (T/CATIS 030—2025 §5.3, §5.4).
@Suite struct CertificationAndDisclosureTests {
    typealias H = ComplianceHarness

    @Test func expiredOrRevokedCertificateReopensTheRestrictedFinding() async throws {
        try await H.with { h in
            let cert = try await h.certifications.create(CertificationInput(
                type: "un38.3", number: "UN-2026-1", issuer: "SGS", issuedOn: "2025-01-10", expiresOn: "2026-03-03",
                fileName: "report.pdf", contentType: "application/pdf", file: Data("%PDF-1.4 test".utf8)), by: H.merchantA)
            #expect(cert.type == "UN38.3" && cert.status == .valid && cert.fileSha256?.count == 64)
            let l = try await h.listings.create(try H.input("20000mAh power bank", certifications: [cert.id.rawValue]), by: H.merchantA)
            #expect(l.status == .active)
            #expect(l.findings.contains { $0.finding.category == .restricted && $0.finding.disposition == .note })
            // Expiry runs as a recurring job on Kernel's queue (issue 11): the certificate lapses and the listing is
            // re-screened in the job's one transaction.
            try await h.queue.schedule(ComplianceJobs.certificateExpiry)
            h.clock.advance(by: 301)
            #expect(try await h.runner().drain() == 1)
            #expect(try await h.listings.get(l.id, by: H.officer).status == .active)   // valid through its expiry day
            h.clock.advance(by: 2 * 86400)                                                        // 2026-03-04
            try await h.queue.schedule(ComplianceJobs.certificateExpiry)
            h.clock.advance(by: 301)
            #expect(try await h.runner().drain() == 1)
            let after = try await h.listings.get(l.id, by: H.officer)
            #expect(after.status == .needsReview && after.findings.contains { $0.finding.category == .restricted && $0.finding.disposition == .active })
            #expect(try await h.certifications.get(cert.id.rawValue, by: H.merchantA).status == .expired)
            #expect(try await h.certifications.expireLapsed().isEmpty)                            // done once
            // Revocation queues the re-screen in its own transaction, and only officers may revoke.
            let other = try await h.certifications.create(CertificationInput(type: "UN38.3", number: "UN-2026-2", issuer: "TÜV"), by: H.merchantA)
            let l2 = try await h.listings.create(try H.input("10000mAh power bank", certifications: [other.id.rawValue]), by: H.merchantA)
            #expect(l2.status == .active)
            await #expect(throws: CommonError.denied(.certificationsRevoke, role: .merchantAdmin)) { try await h.certifications.revoke(other.id.rawValue, reason: "x", by: H.merchantA) }
            #expect(try await h.queue.list(status: nil, kind: ComplianceJobs.rescreenListingsKind, limit: 10).isEmpty)
            let (revoked, listings) = try await h.certifications.revoke(other.id.rawValue, reason: "Test lab withdrew the report", by: H.officer)
            #expect(revoked.status == .revoked && listings == [l2.id])
            let queued = try await h.queue.list(status: .queued, kind: ComplianceJobs.rescreenListingsKind, limit: 10)
            #expect(queued.count == 1 && queued[0].payload.contains(l2.id.rawValue))
            #expect(try await h.listings.get(l2.id, by: H.officer).status == .active)   // not yet: the worker does it
            #expect(try await h.runner().drain() == 1)
            #expect(try await h.listings.get(l2.id, by: H.officer).status == .needsReview)
        }
    }

    @Test func certificateValidationFilesAndTenantWalls() async throws {
        try await H.with { h in
            let e = await #expect(throws: ValidationError.self) {
                try await h.certifications.create(CertificationInput(type: "C E!", number: "", issuer: "x", issuedOn: "2026-05-01", expiresOn: "2026-01-01",
                                                                     contentType: "text/html", file: Data(count: 10)), by: H.merchantA)
            }
            #expect(e?.fieldErrors.map(\.field) == ["type", "number", "expiresOn", "contentType"])
            let big = await #expect(throws: ValidationError.self) {
                try await h.certifications.create(CertificationInput(type: "CE", number: "1", issuer: "x", contentType: "application/pdf",
                                                                     file: Data("%PDF".utf8) + Data(count: CertificationService.maxFileBytes)), by: H.merchantA)
            }
            #expect(big?.fieldErrors.map(\.field) == ["file"])
            let disguised = await #expect(throws: ValidationError.self) {
                try await h.certifications.create(CertificationInput(type: "CE", number: "1", issuer: "x", contentType: "application/pdf",
                                                                     file: Data("MZ\u{90}\u{0}binary".utf8)), by: H.merchantA)
            }
            #expect(disguised?.fieldErrors.map(\.code) == ["content-mismatch"])
            let c = try await h.certifications.create(CertificationInput(type: "CE", number: "DoC-1", issuer: "Self", contentType: "application/pdf",
                                                                         file: Data("%PDF-1.7 doc".utf8)), by: H.merchantA)
            #expect(try await h.certifications.file(c.id.rawValue, by: H.merchantA).data == Data("%PDF-1.7 doc".utf8))
            await #expect(throws: CommonError.self) { try await h.certifications.file(c.id.rawValue, by: H.merchantB) }
            await #expect(throws: CommonError.self) { try await h.certifications.get(c.id.rawValue, by: H.merchantB) }
            #expect(try await h.certifications.list(by: H.merchantB).isEmpty)
            #expect(try await h.certifications.list(by: H.officer).count == 1)
        }
    }

    @Test func disclosureIsRequiredPerMarket() async throws {
        try await H.with { h in
            var bare = try H.input("Ceramic vase", markets: ["EU", "US"])
            bare.responsiblePerson = nil
            bare.unit = nil
            let l = try await h.listings.create(bare, by: H.merchantA)
            #expect(l.status == .needsReview)
            let missing = Set(l.findings.filter { $0.finding.category == .disclosure }.map { "\($0.market.rawValue):\($0.finding.ruleId)" })
            #expect(missing == ["EU:DISC-UNIT", "US:DISC-UNIT", "EU:DISC-EU-RP"])
            let fixed = try await h.listings.update(l.id, ListingInput(unit: "1 vase", responsiblePerson: "Vase EU GmbH, Berlin, rp@vase.eu"),
                                                    by: H.merchantA)
            #expect(fixed.status == .active && fixed.findings.isEmpty)
            // An empty string clears a field (absent keeps it): the disclosure finding comes back.
            let cleared = try await h.listings.update(l.id, ListingInput(unit: ""), by: H.merchantA)
            #expect(cleared.content.unit == nil && cleared.content.responsiblePerson != nil && cleared.status == .needsReview)
        }
    }

    @Test func discountClaimsNeedFivePercentBelowTheThirtyDayLow() async throws {
        try await H.with { h in
            let l = try await h.listings.create(try H.input("Silk scarf", price: "100.00", currency: "EUR"), by: H.merchantA)
            #expect(l.status == .active)
            h.clock.advance(by: 10 * 86400)
            // 4% below the 30-day low: refused as a discount.
            let shy = try await h.listings.update(l.id, ListingInput(description: "Spring sale: 20% off!", price: try Money(parsing: "96.00", currency: Currency("EUR"))),
                                                  by: H.merchantA)
            #expect(shy.status == .rejected && shy.findings.map(\.finding.ruleId) == ["PRICE-DISCOUNT-5"])
            // The 96.00 price is now in the history too, so 95% of 96.00 = 91.20 is the ceiling.
            h.clock.advance(by: 86400)
            let ok = try await h.listings.update(l.id, ListingInput(price: try Money(parsing: "91.20", currency: Currency("EUR"))), by: H.merchantA)
            #expect(ok.status == .active)
            // An inflated "was" price above the 30-day low is refused even with a deep cut.
            h.clock.advance(by: 86400)
            let inflated = try await h.listings.update(l.id, ListingInput(description: "Plain product.", price: try Money(parsing: "80.00", currency: Currency("EUR")),
                                                                                   compareAtPrice: try Money(parsing: "150.00", currency: Currency("EUR"))), by: H.merchantA)
            #expect(inflated.findings.map(\.finding.ruleId) == ["PRICE-INFLATED-REFERENCE"])
            // No history (a new listing claiming a discount) cannot be verified.
            let fresh = try await h.listings.create(try H.input("Wool hat", description: "限时折扣 8折"), by: H.merchantA)
            #expect(fresh.status == .rejected && fresh.findings.map(\.finding.ruleId) == ["PRICE-NO-REFERENCE"])
            let mismatch = await #expect(throws: ValidationError.self) {
                try await h.listings.update(l.id, ListingInput(compareAtPrice: try Money(parsing: "1.00", currency: Currency("USD"))), by: H.merchantA)
            }
            #expect(mismatch?.fieldErrors.map(\.field) == ["compareAtPrice.currency"])
        }
    }

    @Test func referencePriceIsTheLowestOfThePreviousThirtyDays() throws {
        let eur = try Currency("EUR")
        let now = TestFixtures.start
        func at(_ days: Double, _ amount: Int64) -> PricePoint { PricePoint(price: Money(minorUnits: amount, currency: eur), at: now.addingTimeInterval(-days * 86400)) }
        // 40 days ago 50.00 (superseded 31 days ago by 120.00, in force when the window opened), 10 days ago 110.00.
        let history = [at(40, 5000), at(31, 12000), at(10, 11000)]
        #expect(ListingChecks.referencePrice(history, currency: eur, now: now) == Money(minorUnits: 11000, currency: eur))
        #expect(ListingChecks.referencePrice([at(40, 5000)], currency: eur, now: now) == Money(minorUnits: 5000, currency: eur))
        #expect(ListingChecks.referencePrice(history, currency: try Currency("USD"), now: now) == nil)
    }
}
