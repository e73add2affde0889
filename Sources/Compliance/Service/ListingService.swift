import Foundation
import Kernel
import SQLKit

public struct ListingInput: Sendable {
    public var merchantId: String?
    public var title: String?
    public var description: String?
    public var attributes: [String: String]?
    public var images: [ListingImage]?
    public var price: Money?
    public var originCountry: String?
    public var hsCode: String?
    public var brand: String?
    public var markets: [String]?
    public var certifications: [String]?
    public var unit: String?
    public var variationNotice: String?
    public var responsiblePerson: String?
    public var compareAtPrice: Money?
    public init(merchantId: String? = nil, title: String? = nil, description: String? = nil, attributes: [String: String]? = nil,
                images: [ListingImage]? = nil, price: Money? = nil, originCountry: String? = nil, hsCode: String? = nil,
                brand: String? = nil, markets: [String]? = nil, certifications: [String]? = nil, unit: String? = nil,
                variationNotice: String? = nil, responsiblePerson: String? = nil, compareAtPrice: Money? = nil) {
        self.merchantId = merchantId; self.title = title; self.description = description; self.attributes = attributes
        self.images = images; self.price = price; self.originCountry = originCountry; self.hsCode = hsCode; self.brand = brand
        self.markets = markets; self.certifications = certifications; self.unit = unit; self.variationNotice = variationNotice
        self.responsiblePerson = responsiblePerson; self.compareAtPrice = compareAtPrice
    }
}

/// Product listings (CMP2): every save keeps a version and its price, and is screened for every destination market
/// plus disclosure and discount rules (CMP8); the worst verdict sets the state (pass → active, review → needs-review,
/// reject → rejected). A merchant under store closure (CMP4), or without approved KYC (K2), cannot publish: neither a
/// new listing nor a new version of one.
public struct ListingService: Sendable {
    let db: Database
    let clock: any WallClock
    let screening: ScreeningService
    let penalties: PenaltyService
    let takedowns: TakedownService
    /// Checks the merchant a listing is for: it exists and may publish (nil: no merchant directory, as in this module's own tests).
    let merchants: (any MerchantRegistry)?
    let audit: AuditLog
    let store = ListingStore()
    let certificates = CertificationStore()
    var checks: ListingScreening { ListingScreening(screening: screening) }

    /// Where listing events go (webhooks), in the transaction of the change.
    let events: any EventPublisher

    public init(db: Database, clock: any WallClock, screening: ScreeningService, events: any EventPublisher, penalties: PenaltyService? = nil,
                takedowns: TakedownService? = nil, merchants: (any MerchantRegistry)? = nil) {
        self.db = db; self.clock = clock; self.screening = screening; self.events = events; self.merchants = merchants; audit = AuditLog(clock: clock)
        let penalties = penalties ?? PenaltyService(db: db, clock: clock, merchants: merchants)
        self.penalties = penalties
        self.takedowns = takedowns ?? TakedownService(db: db, clock: clock, penalties: penalties, events: events)
    }

    static func mayEdit(_ p: Principal) -> Bool { p.can(.listingsWrite) }
    static func mayModerate(_ p: Principal) -> Bool { p.can(.listingsModerate) }

    /// Validates and merges `input` over `base` (nil for a new listing: every required field must be present).
    func content(_ input: ListingInput, over base: ListingContent?) throws -> ListingContent {
        var v = Validator()
        ContentLimits.check(input, into: &v)
        let title = input.title == nil && base != nil ? nil : v.text(input.title, field: "title", max: .max)   // length: ContentLimits
        let description = input.description
        let origin = input.originCountry == nil && base != nil ? nil : v.country(input.originCountry, field: "originCountry")
        if input.price == nil && base == nil { v.fail("price", "required", en: "price is required.", zh: "price 为必填项。") }
        if let p = input.price, p.minorUnits <= 0 { v.fail("price.amount", "not-positive", en: "price must be above zero.", zh: "价格必须大于零。") }
        if let hs = input.hsCode, !(hs.count >= 6 && hs.count <= 10 && hs.allSatisfy(\.isNumber)) {
            v.fail("hsCode", "invalid", en: "hsCode must be 6–10 digits.", zh: "hsCode 须为 6–10 位数字。")
        }
        var markets: [Market]?
        if let ms = input.markets {
            markets = []
            for (i, m) in ms.enumerated() {
                if let market = Market(destination: m) { markets!.append(market) } else {
                    v.fail("markets[\(i)]", "unknown-market", en: "Unknown market \(m).", zh: "未知市场 \(m)。")
                }
            }
            if ms.isEmpty { v.fail("markets", "required", en: "At least one destination market.", zh: "至少选择一个目的市场。") }
        } else if base == nil {
            v.fail("markets", "required", en: "markets is required.", zh: "markets 为必填项。")
        }
        for (i, id) in (input.certifications ?? []).prefix(ContentLimits.certifications).enumerated() where (try? CertificationID(parsing: id)) == nil {
            v.fail("certifications[\(i)]", "invalid-id", en: "certifications[\(i)] must be a certificate id (crt_…).",
                   zh: "certifications[\(i)] 须为证书编号（crt_…）。")
        }
        // Absent keeps the stored value; an empty string clears it.
        func optional(_ value: String?, _ stored: String?, _ field: String, _ max: Int) -> String? {
            guard let value else { return stored }
            return v.text(value, field: field, max: max, required: false)
        }
        let unit = optional(input.unit, base?.unit, "unit", 100)
        let variation = optional(input.variationNotice, base?.variationNotice, "variationNotice", 2000)
        let person = optional(input.responsiblePerson, base?.responsiblePerson, "responsiblePerson", 1000)
        if let c = input.compareAtPrice {
            let price = input.price ?? base?.price
            if c.minorUnits <= 0 { v.fail("compareAtPrice.amount", "not-positive", en: "compareAtPrice must be above zero.", zh: "划线价必须大于零。") }
            else if let price, price.currency != c.currency {
                v.fail("compareAtPrice.currency", "currency-mismatch", en: "compareAtPrice must be in the price's currency \(price.currency.code).",
                       zh: "划线价币种须与售价币种 \(price.currency.code) 相同。")
            }
        }
        try v.finish()
        return ListingContent(title: title ?? base!.title, description: description ?? base?.description ?? "",
                              attributes: input.attributes ?? base?.attributes ?? [:], images: input.images ?? base?.images ?? [],
                              price: input.price ?? base!.price, originCountry: origin ?? base!.originCountry,
                              hsCode: input.hsCode ?? base?.hsCode, brand: input.brand ?? base?.brand,
                              markets: Array(Set(markets ?? base!.markets)).sorted { $0.rawValue < $1.rawValue },
                              certifications: input.certifications ?? base?.certifications ?? [],
                              unit: unit, variationNotice: variation, responsiblePerson: person,
                              compareAtPrice: input.compareAtPrice ?? (input.price == nil ? base?.compareAtPrice : nil))
    }

    /// Certificates must be the merchant's own; anything else names the offending index.
    func checkCertificates(_ ids: [String], merchantId: MerchantID, in sql: any SQLDatabase) async throws {
        let mine = Set(try await certificates.many(ids, in: sql).filter { $0.merchantId == merchantId }.map(\.id.rawValue))
        var v = Validator()
        for (i, id) in ids.enumerated() where !mine.contains(id) {
            v.fail("certifications[\(i)]", "unknown-certificate", en: "No certificate \(id) on file for this merchant.",
                   zh: "该商户没有证书 \(id)。")
        }
        try v.finish()
    }

    /// Store closure (CMP4) stops every publication.
    func requireOpenStore(_ merchantId: MerchantID, in sql: any SQLDatabase) async throws {
        if try await penalties.sanctions(for: merchantId, in: sql).contains(.storeClosure) {
            throw CommonError.conflict(code: "store-closed", en: "The store is closed for penalty points; listings cannot be published.",
                                       zh: "店铺因违规扣分已被关闭，不能发布商品。")
        }
    }

    public func create(_ input: ListingInput, by p: Principal) async throws -> Listing {
        try p.require(.listingsWrite)
        // A merchant caller naming another merchant is refused, not silently re-pointed (K3).
        guard let merchantId = try p.merchantForWrite(input.merchantId) else {
            throw ValidationError(field: "merchantId", code: "required", en: "merchantId is required for operator callers.",
                                  zh: "平台调用时 merchantId 为必填项。")
        }
        let content = try content(input, over: nil)
        return try await db.transaction { [store, audit, checks, certificates, merchants, events] sql in
            if p.merchantId == nil { try await merchants?.require(merchantId, in: sql) }
            try await merchants?.requirePublishing(merchantId, in: sql)
            try await self.requireOpenStore(merchantId, in: sql)
            try await self.checkCertificates(content.certifications, merchantId: merchantId, in: sql)
            let now = clock.now()
            let o = try await checks.screen(content, listingId: nil, merchantId: merchantId, now: now, in: sql)
            let listing = Listing(id: .generate(), merchantId: merchantId, status: ListingStatus.after(o.verdict), version: 1, content: content,
                                  verdict: o.verdict, findings: o.findings, catalogueVersion: o.catalogueVersion, screenedAt: now,
                                  statusReason: nil, createdAt: now, updatedAt: now)
            try await store.save(listing, isNew: true, by: p.actorId, in: sql)
            try await store.insertVersion(listing, by: p.actorId, in: sql)
            try await store.insertPrice(listing, in: sql)
            try await certificates.link(listingId: listing.id, to: content.certifications, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: merchantId, action: "listing.created", entity: "listing",
                                              entityId: listing.id.rawValue,
                                              data: ["verdict": o.verdict.rawValue, "status": listing.status.rawValue,
                                                     "catalogue": o.catalogueVersion]), in: sql)
            try await ComplianceEvents.listingChanged(listing, from: nil, screened: true, at: now, events: events, in: sql)
            return listing
        }
    }

    /// A new version, screened again.
    public func update(_ id: ListingID, _ input: ListingInput, by p: Principal) async throws -> Listing {
        try p.require(.listingsWrite)
        return try await db.transaction { [store, audit, checks, certificates, takedowns, events] sql in
            guard var l = try await store.find(id, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "listing", id: id.rawValue) }
            let content = try self.content(input, over: l.content)
            try await merchants?.requirePublishing(l.merchantId, in: sql)
            try await self.requireOpenStore(l.merchantId, in: sql)
            if input.certifications != nil { try await self.checkCertificates(content.certifications, merchantId: l.merchantId, in: sql) }
            let now = clock.now()
            let o = try await checks.screen(content, listingId: id, merchantId: l.merchantId, now: now, in: sql)
            let from = l.status
            l.content = content; l.verdict = o.verdict; l.findings = o.findings; l.catalogueVersion = o.catalogueVersion
            l.version += 1
            l.status = ListingStatus.after(o.verdict)
            l.statusReason = nil
            l.screenedAt = now; l.updatedAt = now
            let verdict = o.verdict
            try await store.save(l, isNew: false, by: p.actorId, in: sql)
            try await store.insertVersion(l, by: p.actorId, in: sql)
            try await store.insertPrice(l, in: sql)
            try await certificates.link(listingId: id, to: content.certifications, in: sql)
            // A new version is screened afresh (a still-violating one is rejected, so it cannot stay on sale), but it
            // only proposes a fix for an open takedown case: an officer decides reported cases (issue 10 item 4).
            try await takedowns.merchantEdited(listing: l, actor: p.actorId, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: l.merchantId, action: "listing.updated", entity: "listing",
                                              entityId: id.rawValue, data: ["version": String(l.version), "from": from.rawValue, "to": l.status.rawValue,
                                                                   "verdict": verdict.rawValue]), in: sql)
            try await ComplianceEvents.listingChanged(l, from: from, screened: true, at: now, events: events, in: sql)
            return l
        }
    }

    public func get(_ id: ListingID, by p: Principal) async throws -> Listing {
        guard let l = try await db.read({ [store] in try await store.find(id, scope: p.scope, in: $0) }) else {
            throw CommonError.notFound(entity: "listing", id: id.rawValue)
        }
        return l
    }

    public struct Version: Sendable {
        public let version: Int
        public let content: ListingContent
        public let verdict: Verdict
        public let findings: [MarketFinding]
        public let catalogueVersion: String
        public let createdBy: String
        public let createdAt: Date
    }

    public func versions(_ id: ListingID, by p: Principal) async throws -> [Version] {
        try await versionPage(id, limit: 500, after: nil, by: p).items
    }

    /// Newest version first, one page (`after`: the `next` of the previous page, a version number).
    public func versionPage(_ id: ListingID, limit: Int?, after: String?, by p: Principal) async throws -> Page<Version> {
        _ = try await get(id, by: p)
        let n = min(max(limit ?? 50, 1), 500)
        let before = try ValidationError.positiveCursor(after).map { Int($0) }
        let rows = try await db.read { [store, before] in try await store.versions(id, limit: n + 1, before: before, in: $0) }
        let d = JSONDecoder()
        let versions = try rows.map {
            Version(version: Int($0.version), content: try d.decode(ListingContent.self, from: Data($0.content.utf8)),
                    verdict: Verdict(rawValue: $0.verdict) ?? .review, findings: try d.decode([MarketFinding].self, from: Data($0.findings.utf8)),
                    catalogueVersion: $0.catalogueVersion, createdBy: $0.createdBy, createdAt: Date(epochMillis: $0.createdAt))
        }
        return Page.of(versions, limit: n) { String($0.version) }
    }

    public func list(status: ListingStatus?, market: Market?, query: String?, limit: Int?, after: String?, by p: Principal) async throws -> ([Listing], String?) {
        try await list(ListingFilter(status: status, market: market, query: query), limit: limit, after: after, by: p)
    }

    /// One page of listings matching `f` (a merchant caller: its own only, whatever `f.merchantId` says).
    public func list(_ f: ListingFilter, limit: Int?, after: String?, by p: Principal) async throws -> ([Listing], String?) {
        let n = min(max(limit ?? 50, 1), 200)
        let rows = try await db.read { [store] sql in
            try await store.list(scope: p.scope, status: f.status, market: f.market, query: f.query, limit: n + 1, after: after,
                                 merchantId: f.merchantId, verdict: f.verdict, screenedDay: f.screenedDay, in: sql)
        }
        let items = Array(rows.prefix(n))
        return (items, rows.count > n ? items.last?.id.rawValue : nil)
    }

    /// Compliance decisions: clear a needs-review listing, or take any live listing down (CMP3).
    public func moderate(_ id: ListingID, to next: ListingStatus, reason: String?, by p: Principal) async throws -> Listing {
        try p.require(.listingsModerate)
        var v = Validator()
        let reason = v.text(reason, field: "reason", max: 1000)
        try v.finish()
        return try await db.transaction { [store, audit, takedowns, events] sql in
            guard var l = try await store.find(id, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "listing", id: id.rawValue) }
            guard l.status.canMove(to: next) else {
                throw CommonError.invalidTransition(entity: "listing", from: l.status.rawValue, to: next.rawValue)
            }
            let from = l.status
            l.status = next
            l.statusReason = reason
            l.updatedAt = clock.now()
            try await store.save(l, isNew: false, by: p.actorId, in: sql)
            // A decision on the listing itself settles its open takedown case the same way.
            switch next {
            case .takenDown: try await takedowns.closeOpen(listing: l, status: .takenDown, reason: reason!, actor: p.actorId, in: sql)
            case .rejected: try await takedowns.closeOpen(listing: l, status: .changesRequested, reason: reason!, actor: p.actorId, in: sql)
            case .active: try await takedowns.closeOpen(listing: l, status: .cleared, reason: reason!, actor: p.actorId, in: sql)
            default: break
            }
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: l.merchantId, action: "listing.\(next.rawValue)", entity: "listing",
                                              entityId: id.rawValue, data: ["from": from.rawValue, "reason": reason!]), in: sql)
            try await ComplianceEvents.listingChanged(l, from: from, screened: false, at: l.updatedAt, events: events, in: sql)
            return l
        }
    }
}
