import Foundation
import Kernel
import SQLKit

/// Everything a listing is checked against, shared by saves and re-screens: the catalogue per destination market
/// (with the merchant's valid certificates), disclosure per market (§5.3) and discount claims (§5.4).
public struct ListingScreening: Sendable {
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
    func validCertificateTypes(_ ids: [String], merchantId: MerchantID, day: LocalDate, in sql: any SQLDatabase) async throws -> Set<String> {
        Set(try await certificates.many(ids, in: sql).filter { $0.merchantId == merchantId && $0.isValid(on: day) }.map(\.type))
    }

    /// Rule id of the note that says how many findings the limits cut (CMP2); `matched` holds the count.
    static let omittedRuleId = "findings-omitted"

    static func omittedNote(_ n: Int, limits: FindingLimits) -> MarketFinding {
        MarketFinding(market: .global, finding: Finding(
            ruleId: omittedRuleId, category: .restricted, term: "", matched: String(n), field: "*", start: 0, end: 0,
            source: "Tradelane screening limits (CMP2)", severity: 1, disposition: .note,
            reason: "\(n) more findings not listed (at most \(limits.perRule) per rule and \(limits.total) per listing); the verdict counts them"))
    }

    /// How many findings a listing's stored findings say were cut.
    public static func omittedCount(_ findings: [MarketFinding]) -> Int {
        findings.first { $0.finding.ruleId == omittedRuleId }.flatMap { Int($0.finding.matched) } ?? 0
    }

    func catalogue(_ c: ListingContent, certificateTypes: Set<String>, limits: FindingLimits = .standard) -> ([MarketFinding], String) {
        var findings: [MarketFinding] = []
        var omitted = 0
        var version = screening.installedVersion
        let context = ScreeningContext(certificates: certificateTypes)
        for m in c.markets {
            let r = screening.screen(c.screeningInput, market: m, context: context)
            findings += r.findings.map { MarketFinding(market: m, finding: $0) }
            omitted += r.omittedFindings
            version = r.catalogueVersion
        }
        // Each market's result is already capped per rule; across markets only the total cap applies, then one note
        // counts everything cut.
        let keep = FindingLimits(perRule: .max, total: limits.total).keptIndices(findings.map(\.finding))
        omitted += findings.count - keep.count
        findings = keep.map { findings[$0] }
        if omitted > 0 { findings.append(Self.omittedNote(omitted, limits: limits)) }
        return (findings, version)
    }

    func checks(_ c: ListingContent, history: [PricePoint], now: Date) -> [MarketFinding] {
        c.markets.flatMap { m in ListingChecks.disclosure(c, market: m).map { MarketFinding(market: m, finding: $0) } }
            + ListingChecks.pricing(c, history: history, now: now).map { MarketFinding(market: .global, finding: $0) }
    }

    /// A full screen for a save: catalogue plus disclosure and pricing against the stored price history.
    func screen(_ c: ListingContent, listingId: ListingID?, merchantId: MerchantID, now: Date, in sql: any SQLDatabase) async throws -> Outcome {
        let types = try await validCertificateTypes(c.certifications, merchantId: merchantId, day: LocalDate(now, in: Self.timeZone), in: sql)
        let (catalogueFindings, version) = try await screening.compute.run(waitingPlaces: 64) { [self] in catalogue(c, certificateTypes: types) }
        var history: [PricePoint] = []
        if let listingId { history = try await listings.prices(listingId, in: sql) }
        let findings = catalogueFindings + checks(c, history: history, now: now)
        return Outcome(verdict: Self.verdict(findings), findings: findings, catalogueVersion: version)
    }

    /// A re-screen: the catalogue again, keeping the disclosure and pricing findings decided at save time.
    func rescreen(_ l: Listing, certificateTypes: Set<String>) -> Outcome {
        let kept = l.findings.filter { ($0.finding.category == .disclosure || $0.finding.category == .pricing) && $0.finding.ruleId != Self.omittedRuleId }
        let (catalogueFindings, version) = catalogue(l.content, certificateTypes: certificateTypes)
        let findings = catalogueFindings + kept
        return Outcome(verdict: Self.verdict(findings), findings: findings, catalogueVersion: version)
    }
}
