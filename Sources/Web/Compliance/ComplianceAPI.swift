import Compliance
import Foundation
import Hummingbird
import Kernel

/// `/api/v1/screenings`: ad-hoc screening of listing text for a destination market (CMP2).
struct ComplianceAPI {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        api.post("screenings", use: screen)
        api.get("listings", use: listListings)
        api.post("listings", use: createListing)
        api.get("listings/:id", use: getListing)
        api.patch("listings/:id", use: updateListing)
        api.get("listings/:id/versions", use: listingVersions)
        api.post("listings/:id/clear", use: { r, c in try await moderate(r, c, .active) })
        api.post("listings/:id/reject", use: { r, c in try await moderate(r, c, .rejected) })
        api.post("listings/:id/take-down", use: { r, c in try await moderate(r, c, .takenDown) })
    }

    struct ListingBody: Decodable {
        let merchantId: String?, title: String?, description: String?, attributes: [String: String]?
        let images: [ListingImage]?, price: Money?, originCountry: String?, hsCode: String?, brand: String?
        let markets: [String]?, certifications: [String]?
        let unit: String?, variationNotice: String?, responsiblePerson: String?, compareAtPrice: Money?
        static let keys: Set<String> = ["merchantId", "title", "description", "attributes", "images", "price", "originCountry",
                                        "hsCode", "brand", "markets", "certifications", "unit", "variationNotice", "responsiblePerson",
                                        "compareAtPrice"]
        var input: ListingInput {
            ListingInput(merchantId: merchantId, title: title, description: description, attributes: attributes, images: images,
                         price: price, originCountry: originCountry, hsCode: hsCode, brand: brand, markets: markets, certifications: certifications,
                         unit: unit, variationNotice: variationNotice, responsiblePerson: responsiblePerson, compareAtPrice: compareAtPrice)
        }
    }

    func listListings(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let q = Query(request: r)
        let market = try q.string("market").map { m -> Market in
            guard let v = Market(destination: m) else {
                throw ValidationError(field: "market", code: "unknown-market", en: "Unknown market \(m).", zh: "未知市场 \(m)。")
            }
            return v
        }
        let (items, next) = try await services.listings.list(status: try q.enumValue("status", ListingStatus.self), market: market,
                                                             query: q.string("q"), limit: try q.int("limit", in: 1...200),
                                                             after: q.string("after"), by: p)
        return try JSONIO.response(ListDTO(data: items.map(ListingDTO.init), next: next))
    }

    func createListing(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ListingBody.self, r, c, allowedKeys: ListingBody.keys)
        let l = try await services.listings.create(b.input, by: p)
        return try JSONIO.response(ListingDTO(l), status: .created, location: "/api/v1/listings/\(l.id)")
    }

    func getListing(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try JSONIO.response(ListingDTO(try await services.listings.get(try c.pathID(), by: try c.requirePrincipal())))
    }

    func updateListing(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        var keys = ListingBody.keys
        keys.remove("merchantId")
        let b = try await JSONIO.decode(ListingBody.self, r, c, allowedKeys: keys)
        return try JSONIO.response(ListingDTO(try await services.listings.update(try c.pathID(), b.input, by: p)))
    }

    func listingVersions(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let q = Query(request: r)
        let page = try await services.listings.versionPage(try c.pathID(), limit: try q.int("limit", in: 1...500),
                                                           after: q.string("after"), by: try c.requirePrincipal())
        return try JSONIO.response(ListDTO(data: page.items.map(ListingVersionDTO.init), next: page.next))
    }

    func moderate(_ r: Request, _ c: AppRequestContext, _ to: ListingStatus) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: ReasonBody.keys)
        return try JSONIO.response(ListingDTO(try await services.listings.moderate(try c.pathID(), to: to, reason: b.reason, by: p)))
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
        try services.screening.compute.checkCapacity()   // refuse before decoding up to 2 MiB when no worker is free
        let b = try await JSONIO.decode(Body.self, r, c, allowedKeys: Body.keys)
        let outcome = try await services.screening.screenOffLoop(ScreeningRequest(
            market: b.market, title: b.title, description: b.description, attributes: b.attributes ?? [:],
            imageTexts: b.imageTexts ?? [], certifications: b.certifications ?? [], authorisedBrands: b.authorisedBrands ?? []))
        return try JSONIO.response(ScreeningDTO(outcome))
    }
}

struct FindingDTO: Encodable {
    /// Present on listing findings only (the market the rule was applied for).
    let market: String?
    let ruleId: String, category: String, term: String, matched: String, field: String
    let start: Int, end: Int, source: String, severity: Int, disposition: String
    @ExplicitNull var reason: String?

    init(_ f: Finding, market: Market? = nil) {
        self.market = market?.rawValue
        ruleId = f.ruleId; category = f.category.rawValue; term = f.term; matched = f.matched; field = f.field
        start = f.start; end = f.end; source = f.source; severity = f.severity; disposition = f.disposition.rawValue; reason = f.reason
    }
}

struct ScreeningDTO: Encodable {
    let market: String
    let verdict: String
    let catalogueVersion: String
    let screenedAt: String
    let findings: [FindingDTO]
    /// True when findings were cut by the limits (20 per rule, 200 per response); the verdict counts them all.
    let truncated: Bool
    let omittedFindings: Int

    init(_ o: ScreeningOutcome) {
        market = o.market.rawValue
        verdict = o.result.verdict.rawValue
        catalogueVersion = o.result.catalogueVersion
        screenedAt = o.screenedAt.rfc3339
        findings = o.result.findings.map { FindingDTO($0) }
        omittedFindings = o.result.omittedFindings
        truncated = omittedFindings > 0
    }
}

struct ListingDTO: Encodable {
    let id: String
    let merchantId: String
    let status: String
    @ExplicitNull var statusReason: String?
    let version: Int
    let verdict: String
    let catalogueVersion: String
    let screenedAt: String
    let content: ListingContent
    let findings: [FindingDTO]
    /// Findings cut by the limits (a `findings-omitted` note in `findings` says the same).
    let omittedFindings: Int
    let createdAt: String
    let updatedAt: String

    init(_ l: Listing) {
        id = l.id.rawValue; merchantId = l.merchantId.rawValue; status = l.status.rawValue; statusReason = l.statusReason; version = l.version
        verdict = l.verdict.rawValue; catalogueVersion = l.catalogueVersion; screenedAt = l.screenedAt.rfc3339; content = l.content
        findings = l.findings.map { FindingDTO($0.finding, market: $0.market) }
        omittedFindings = ListingScreening.omittedCount(l.findings)
        createdAt = l.createdAt.rfc3339; updatedAt = l.updatedAt.rfc3339
    }
}

struct ListingVersionDTO: Encodable {
    let version: Int
    let verdict: String
    let catalogueVersion: String
    let createdBy: String
    let createdAt: String
    let content: ListingContent
    let findings: [FindingDTO]
    init(_ v: ListingService.Version) {
        version = v.version; verdict = v.verdict.rawValue; catalogueVersion = v.catalogueVersion; createdBy = v.createdBy
        createdAt = v.createdAt.rfc3339; content = v.content; findings = v.findings.map { FindingDTO($0.finding, market: $0.market) }
    }
}
