import Foundation
import Kernel
import SQLKit

public struct MerchantInput: Sendable {
    public var name: String?
    public var legalName: String?
    public var country: String?
    public var contactEmail: String?
    public var settlementCurrency: String?
    public init(name: String? = nil, legalName: String? = nil, country: String? = nil, contactEmail: String? = nil,
                settlementCurrency: String? = nil) {
        self.name = name; self.legalName = legalName; self.country = country; self.contactEmail = contactEmail
        self.settlementCurrency = settlementCurrency
    }
}

public struct MerchantListQuery: Sendable {
    public var status: MerchantStatus?
    public var kycStatus: KYCStatus?
    public var query: String?
    public var sort: String?
    public var descending: Bool
    public var limit: Int?
    public var after: String?
    public init(status: MerchantStatus? = nil, kycStatus: KYCStatus? = nil, query: String? = nil, sort: String? = nil,
                descending: Bool = false, limit: Int? = nil, after: String? = nil) {
        self.status = status; self.kycStatus = kycStatus; self.query = query; self.sort = sort
        self.descending = descending; self.limit = limit; self.after = after
    }
}

/// Merchant tenants: creation, profile, listing, and the exit procedure with public notice (K1, K2).
public struct MerchantService: Sendable {
    let ctx: PartiesContext
    let store = MerchantStore()
    public init(_ ctx: PartiesContext) { self.ctx = ctx }

    public func create(_ input: MerchantInput, by p: Principal) async throws -> Merchant {
        try p.require(.merchantsCreate)
        var v = Validator()
        let name = v.name(input.name, field: "name", max: 200)
        let legal = v.name(input.legalName, field: "legalName", max: 200, required: false)
        let country = v.country(input.country, field: "country")
        let email = v.email(input.contactEmail, field: "contactEmail")
        let currency = v.currency(input.settlementCurrency, field: "settlementCurrency", required: false) ?? "CNY"
        try v.finish()
        let now = ctx.clock.now()
        let m = Merchant(id: .generate(), name: name!, legalName: legal, country: country!, contactEmail: email!,
                         settlementCurrency: currency, status: .onboarding, kycStatus: nil, licenceExpiresOn: nil, exitReason: nil,
                         noticeStartedAt: nil, noticeEndsAt: nil, statusBeforeExit: nil, closedAt: nil,
                         createdAt: now, updatedAt: now)
        try await ctx.db.transaction { [store, ctx] sql in
            try await store.insert(m, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: m.id, action: "merchant.created",
                                                  entity: "merchant", entityId: m.id.rawValue,
                                                  data: ["name": m.name, "country": m.country]), in: sql)
        }
        return m
    }

    public func get(_ id: MerchantID, by p: Principal) async throws -> Merchant {
        guard let m = try await ctx.db.read({ [store] in try await store.find(id, scope: p.scope, in: $0) }) else {
            throw CommonError.notFound(entity: "merchant", id: id.rawValue)
        }
        return m
    }

    /// One page: filtered, searched and sorted in SQL (keyset paging works under any sort), with the total.
    public func list(_ q: MerchantListQuery, by p: Principal) async throws -> Page<Merchant> {
        let sort = q.sort.map { MerchantStore.sortAliases[$0] ?? $0 }
        let request = ListRequest(sort: sort, descending: q.descending, limit: Limits.pageSize(q.limit), after: q.after)
        let filter = MerchantStore.Filter(status: q.status, kycStatus: q.kycStatus, query: q.query)
        return try await ctx.db.read { [store] sql in
            try await store.list(scope: p.scope, filter: filter, request: request, in: sql)
        }
    }

    public func count(status: MerchantStatus? = nil, by p: Principal) async throws -> Int {
        try await ctx.db.read { [store] in try await store.count(scope: p.scope, status: status, in: $0) }
    }

    public func update(_ id: MerchantID, _ input: MerchantInput, by p: Principal) async throws -> Merchant {
        // Another tenant's merchant does not exist for this caller (404, not 403).
        guard p.scope.allows(id) else { throw CommonError.notFound(entity: "merchant", id: id.rawValue) }
        try p.require(.merchantsUpdate)
        var v = Validator()
        let name = v.name(input.name, field: "name", max: 200, required: false)
        let legal = v.name(input.legalName, field: "legalName", max: 200, required: false)
        let country = input.country == nil ? nil : v.country(input.country, field: "country")
        let email = input.contactEmail == nil ? nil : v.email(input.contactEmail, field: "contactEmail")
        let currency = input.settlementCurrency == nil ? nil : v.currency(input.settlementCurrency, field: "settlementCurrency")
        try v.finish()
        return try await ctx.db.transaction { [store, ctx] sql in
            guard var m = try await store.find(id, scope: p.scope, in: sql) else {
                throw CommonError.notFound(entity: "merchant", id: id.rawValue)
            }
            guard m.status != .closed else {
                throw CommonError.conflict(code: "merchant-closed", en: "The merchant is closed.", zh: "该商户已关闭。")
            }
            var changed: [String: String] = [:]
            if let name, name != m.name { m.name = name; changed["name"] = name }
            if let legal, legal != m.legalName { m.legalName = legal; changed["legalName"] = legal }
            if let country, country != m.country { m.country = country; changed["country"] = country }
            if let email, email != m.contactEmail { m.contactEmail = email; changed["contactEmail"] = "changed" }
            if let currency, currency != m.settlementCurrency { m.settlementCurrency = currency; changed["settlementCurrency"] = currency }
            guard !changed.isEmpty else { return m }
            // The legal identity is what KYC verified: changing it after approval reopens KYC, so the merchant publishes
            // nothing new until a reviewer approves a fresh submission. Live listings stay on sale meanwhile (the entity
            // was verified; the operator may take them down), documented in docs/api.md.
            let reopensKYC = m.kycStatus == .approved && (changed["legalName"] != nil || changed["country"] != nil)
            if reopensKYC { m.kycStatus = .needsMoreInfo }
            m.updatedAt = ctx.clock.now()
            try await store.update(m, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: id, action: "merchant.updated",
                                                  entity: "merchant", entityId: id.rawValue, data: changed), in: sql)
            if reopensKYC {
                try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: id, action: "kyc.reopened", entity: "merchant", entityId: id.rawValue,
                                                      data: ["fields": changed.keys.filter { $0 == "legalName" || $0 == "country" }.sorted()
                                                          .joined(separator: ",")]), in: sql)
            }
            return m
        }
    }

    /// Starts the public notice period before closure (C 5.1).
    public func requestExit(_ id: MerchantID, reason: String?, by p: Principal) async throws -> Merchant {
        // Another tenant's merchant does not exist for this caller (404, not 403).
        guard p.scope.allows(id) else { throw CommonError.notFound(entity: "merchant", id: id.rawValue) }
        try p.require(.merchantsExit)
        var v = Validator()
        let reason = v.text(reason, field: "reason", max: 1000)
        try v.finish()
        return try await transition(id, to: .exiting, by: p, action: "merchant.exit-requested") { m, now in
            m.statusBeforeExit = m.status
            m.exitReason = reason
            m.noticeStartedAt = now
            m.noticeEndsAt = now.addingTimeInterval(Double(ctx.settings.exitNoticeDays) * 86400)
            return ["reason": reason ?? "", "noticeEndsAt": m.noticeEndsAt!.rfc3339]
        }
    }

    public func cancelExit(_ id: MerchantID, by p: Principal) async throws -> Merchant {
        // Another tenant's merchant does not exist for this caller (404, not 403).
        guard p.scope.allows(id) else { throw CommonError.notFound(entity: "merchant", id: id.rawValue) }
        try p.require(.merchantsExit)
        let current = try await get(id, by: p)
        guard current.status == .exiting else {
            throw CommonError.invalidTransition(entity: "merchant", from: current.status.rawValue, to: "exit-withdrawn")
        }
        let target = current.statusBeforeExit ?? .active
        return try await transition(id, to: target, by: p, action: "merchant.exit-withdrawn") { m, _ in
            m.statusBeforeExit = nil; m.exitReason = nil; m.noticeStartedAt = nil; m.noticeEndsAt = nil
            return [:]
        }
    }

    /// Closes the store once the notice period has run and nothing blocks it (open orders …).
    public func close(_ id: MerchantID, by p: Principal) async throws -> Merchant {
        try p.require(.merchantsClose)
        let m = try await get(id, by: p)
        guard m.status == .exiting, let ends = m.noticeEndsAt else {
            throw CommonError.invalidTransition(entity: "merchant", from: m.status.rawValue, to: MerchantStatus.closed.rawValue)
        }
        let now = ctx.clock.now()
        guard now >= ends else {
            throw CommonError.conflict(code: "notice-period-running",
                                       en: "The public notice period runs until \(ends.rfc3339).",
                                       zh: "公示期至 \(ends.rfc3339) 结束，届时方可关闭。")
        }
        var reasons: [LocalizedText] = []
        for b in ctx.exitBlockers { reasons += try await b.blockers(merchantId: m.id) }
        guard reasons.isEmpty else {
            throw CommonError.conflict(code: "exit-blocked",
                                       en: "Closure blocked: " + reasons.map(\.en).joined(separator: "; "),
                                       zh: "无法关闭：" + reasons.map(\.zh).joined(separator: "；"))
        }
        return try await transition(id, to: .closed, by: p, action: "merchant.closed") { m, now in
            m.closedAt = now
            return [:]
        }
    }

    /// Merchants currently in their public exit notice, for the public notice page.
    public func publicNotices() async throws -> [Merchant] {
        try await ctx.db.read { [store] sql in
            try await store.list(scope: .operatorWide, filter: .init(status: .exiting), request: ListRequest(limit: 500), in: sql).items
        }.sorted { ($0.noticeEndsAt ?? .distantFuture) < ($1.noticeEndsAt ?? .distantFuture) }
    }

    /// The public notices by merchant id, one page (`after`: the `next` of the previous page).
    public func noticePage(limit: Int?, after: String?) async throws -> Page<Merchant> {
        let n = Limits.pageSize(limit)
        return try await ctx.db.read { [store] sql in
            try await store.list(scope: .operatorWide, filter: .init(status: .exiting), request: ListRequest(limit: n, after: after), in: sql)
        }
    }

    /// Merchants whose licence expires within the warning window or has expired.
    public func licenceWarnings(by p: Principal) async throws -> [Merchant] {
        let today = ctx.today
        let all = try await ctx.db.read { [store] sql in
            try await store.list(scope: p.scope, filter: .init(), request: ListRequest(sort: "licence_expires_on", limit: 1000), in: sql).items
        }
        return all.filter { m in
            guard m.status != .closed, let state = m.licenceState(today: today, warningDays: ctx.settings.licenceWarningDays) else { return false }
            return state != .valid
        }
    }

    public func licenceState(_ m: Merchant) -> LicenceState? {
        m.licenceState(today: ctx.today, warningDays: ctx.settings.licenceWarningDays)
    }

    private func transition(_ id: MerchantID, to next: MerchantStatus, by p: Principal, action: String,
                            _ mutate: @escaping @Sendable (inout Merchant, Date) -> [String: String]) async throws -> Merchant {
        try await ctx.db.transaction { [store, ctx] sql in
            guard var m = try await store.find(id, scope: p.scope, in: sql) else {
                throw CommonError.notFound(entity: "merchant", id: id.rawValue)
            }
            guard m.status.canMove(to: next) else {
                throw CommonError.invalidTransition(entity: "merchant", from: m.status.rawValue, to: next.rawValue)
            }
            let now = ctx.clock.now()
            var data = mutate(&m, now)
            data["from"] = m.status.rawValue
            data["to"] = next.rawValue
            m.status = next
            m.updatedAt = now
            try await store.update(m, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: id, action: action,
                                                  entity: "merchant", entityId: id.rawValue, data: data), in: sql)
            return m
        }
    }
}
