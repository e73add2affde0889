import Foundation
import Kernel
import SQLKit

/// Everything a listing is checked against, shared by saves and re-screens: the catalogue per destination market
/// (with the merchant's valid certificates), disclosure per market (§5.3) and discount claims (§5.4).
struct ListingScreening: Sendable {
    let screening: ScreeningService
    let certificates = CertificationStore()
    let listings = ListingStore()
    static let timeZone = TimeZone(identifier: "Asia/Shanghai")!

    struct Outcome: Sendable {
        let verdict: Verdict
        let findings: [MarketFinding]
        let catalogueVersion: String
    }

    static func verdict(_ findings: [MarketFinding]) -> Verdict {
        findings.filter { $0.finding.disposition == .active }.map(\.finding.category.verdict).max() ?? .pass
    }

    /// Types of the listing's certificates that belong to the merchant and are valid on `day`.
    func validCertificateTypes(_ ids: [String], merchantId: String, day: LocalDate, in sql: any SQLDatabase) async throws -> Set<String> {
        Set(try await certificates.many(ids, in: sql).filter { $0.merchantId == merchantId && $0.isValid(on: day) }.map(\.type))
    }

    func catalogue(_ c: ListingContent, certificateTypes: Set<String>) -> ([MarketFinding], String) {
        var findings: [MarketFinding] = []
        var version = screening.installedVersion
        let context = ScreeningContext(certificates: certificateTypes)
        for m in c.markets {
            let r = screening.screen(c.screeningInput, market: m, context: context)
            findings += r.findings.map { MarketFinding(market: m, finding: $0) }
            version = r.catalogueVersion
        }
        return (findings, version)
    }

    func checks(_ c: ListingContent, history: [PricePoint], now: Date) -> [MarketFinding] {
        c.markets.flatMap { m in ListingChecks.disclosure(c, market: m).map { MarketFinding(market: m, finding: $0) } }
            + ListingChecks.pricing(c, history: history, now: now).map { MarketFinding(market: .global, finding: $0) }
    }

    /// A full screen for a save: catalogue plus disclosure and pricing against the stored price history.
    func screen(_ c: ListingContent, listingId: String?, merchantId: String, now: Date, in sql: any SQLDatabase) async throws -> Outcome {
        let types = try await validCertificateTypes(c.certifications, merchantId: merchantId, day: LocalDate(now, in: Self.timeZone), in: sql)
        let (catalogueFindings, version) = catalogue(c, certificateTypes: types)
        var history: [PricePoint] = []
        if let listingId { history = try await listings.prices(listingId, in: sql) }
        let findings = catalogueFindings + checks(c, history: history, now: now)
        return Outcome(verdict: Self.verdict(findings), findings: findings, catalogueVersion: version)
    }

    /// A re-screen: the catalogue again, keeping the disclosure and pricing findings decided at save time.
    func rescreen(_ l: Listing, certificateTypes: Set<String>) -> Outcome {
        let kept = l.findings.filter { $0.finding.category == .disclosure || $0.finding.category == .pricing }
        let (catalogueFindings, version) = catalogue(l.content, certificateTypes: certificateTypes)
        let findings = catalogueFindings + kept
        return Outcome(verdict: Self.verdict(findings), findings: findings, catalogueVersion: version)
    }
}
