import Compliance
import Foundation
import Hummingbird
import Kernel

/// `/api/v1/screenings`: ad-hoc screening of listing text for a destination market (CMP2).
struct ComplianceAPI {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        api.post("screenings", use: screen)
    }

    struct Body: Decodable {
        let market: String?
        let title: String?
        let description: String?
        let attributes: [String: String]?
        let imageTexts: [String]?
        let certifications: [String]?
        let authorisedBrands: [String]?
        static let keys: Set<String> = ["market", "title", "description", "attributes", "imageTexts", "certifications", "authorisedBrands"]
    }

    func screen(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try c.requirePrincipal()
        let b = try await JSONIO.decode(Body.self, r, c, allowedKeys: Body.keys)
        let outcome = try services.screening.screen(ScreeningRequest(
            market: b.market, title: b.title, description: b.description, attributes: b.attributes ?? [:],
            imageTexts: b.imageTexts ?? [], certifications: b.certifications ?? [], authorisedBrands: b.authorisedBrands ?? []))
        return try JSONIO.response(ScreeningDTO(outcome))
    }
}

struct ScreeningDTO: Encodable {
    struct FindingDTO: Encodable {
        let ruleId: String, category: String, term: String, matched: String, field: String
        let start: Int, end: Int, source: String, severity: Int, disposition: String
        let reason: String?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(ruleId, forKey: .ruleId); try c.encode(category, forKey: .category); try c.encode(term, forKey: .term)
            try c.encode(matched, forKey: .matched); try c.encode(field, forKey: .field); try c.encode(start, forKey: .start)
            try c.encode(end, forKey: .end); try c.encode(source, forKey: .source); try c.encode(severity, forKey: .severity)
            try c.encode(disposition, forKey: .disposition); try c.encode(reason, forKey: .reason)
        }
        enum CodingKeys: String, CodingKey { case ruleId, category, term, matched, field, start, end, source, severity, disposition, reason }
    }
    let market: String
    let verdict: String
    let catalogueVersion: String
    let screenedAt: String
    let findings: [FindingDTO]

    init(_ o: ScreeningOutcome) {
        market = o.market.rawValue
        verdict = o.result.verdict.rawValue
        catalogueVersion = o.result.catalogueVersion
        screenedAt = o.screenedAt.rfc3339
        findings = o.result.findings.map {
            FindingDTO(ruleId: $0.ruleId, category: $0.category.rawValue, term: $0.term, matched: $0.matched, field: $0.field,
                       start: $0.start, end: $0.end, source: $0.source, severity: $0.severity,
                       disposition: $0.disposition.rawValue, reason: $0.reason)
        }
    }
}
