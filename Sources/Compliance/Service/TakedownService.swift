import Foundation
import Kernel
import SQLKit

/// Aggregates for the P3 KPI "violating goods taken down within 24 h".
public struct TakedownStats: Sendable, Equatable {
    public var opened = 0
    public var resolved = 0
    public var resolvedInTime = 0
    /// Resolved late, or still open past due.
    public var breached = 0
    public var open = 0
    /// Screening-triggered cases that a merchant's edit cured within 24 h: outside the KPI, which counts officers' decisions.
    public var curedByEdit = 0
    public var medianResolutionMinutes: Int?
    /// Resolved within 24 h as a share of cases due in the period (nil when none).
    public var onTimeRate: Double? {
        let due = resolvedInTime + breached
        return due == 0 ? nil : Double(resolvedInTime) / Double(due)
    }
}

/// The 24 h takedown queue (CMP3, P3 risk a): a prohibited or infringing finding on a live listing opens a case;
/// an officer takes the listing down, clears the finding or sends it back for changes; breaches are escalated.
public struct TakedownService: Sendable {
    let db: Database
    let clock: any WallClock
    let penalties: PenaltyService
    /// Where case and listing events go (webhooks), in the transaction of the decision.
    let events: any EventPublisher
    let audit: AuditLog
    let store = TakedownStore()
    let listings = ListingStore()

    public init(db: Database, clock: any WallClock, penalties: PenaltyService, events: any EventPublisher) {
        self.db = db; self.clock = clock; self.penalties = penalties; self.events = events; audit = AuditLog(clock: clock)
    }

    /// Opens a case unless one is already open, or an officer already cleared the same rules on this version.
    func open(for l: Listing, findings: [MarketFinding], trigger: TakedownCase.Trigger, actor: String, reason: String? = nil,
              in sql: any SQLDatabase) async throws -> TakedownCase? {
        let ruleIds = Array(Set(findings.map(\.finding.ruleId))).sorted()
        guard !ruleIds.isEmpty else { return nil }
        let existing = try await store.forListing(l.id, in: sql)
        if existing.contains(where: { $0.status == .open }) { return nil }
        if existing.contains(where: { $0.status == .cleared && $0.listingVersion == l.version && Set($0.ruleIds).isSuperset(of: ruleIds) }) {
            return nil
        }
        let now = clock.now()
        let c = TakedownCase(id: .generate(), listingId: l.id, merchantId: l.merchantId, listingVersion: l.version, trigger: trigger,
                             ruleIds: ruleIds, findings: findings, openedAt: now, dueAt: TakedownCase.policy.dueDate(from: now), status: .open)
        try await store.insert(c, in: sql)
        var data = ["listing": l.id.rawValue, "rules": ruleIds.joined(separator: ","), "trigger": trigger.rawValue,
                    "due": ISO8601DateFormatter().string(from: c.dueAt)]
        if let reason { data["reason"] = reason }
        try await audit.append(AuditEvent(actor: actor, merchantId: l.merchantId, action: "takedown.opened", entity: "takedown-case",
                                          entityId: c.id.rawValue, data: data), in: sql)
        try await ComplianceEvents.takedown(ComplianceEvents.takedownOpened, c, at: now, events: events, in: sql)
        return c
    }

    /// A rights holder's, buyer's or officer's report against a live listing.
    public func report(listingId given: String?, category: String?, reason: String?, by p: Principal) async throws -> TakedownCase {
        try p.require(.takedownsReport)
        var v = Validator()
        let cat = category.flatMap(RuleCategory.init(rawValue:))
        if cat != .prohibited && cat != .brand {
            v.fail("category", "invalid", en: "category must be prohibited or brand.", zh: "category 须为 prohibited 或 brand。")
        }
        let listingId = v.id(given, ListingID.self, field: "listingId", required: true)
        let why = v.text(reason, field: "reason", max: 1000)
        try v.finish()
        return try await db.transaction { [listings] sql in
            guard let l = try await listings.find(listingId!, scope: p.scope, in: sql) else {
                throw CommonError.notFound(entity: "listing", id: listingId!.rawValue)
            }
            guard l.status == .active else {
                throw CommonError.conflict(code: "listing-not-live", en: "Only a live listing can be reported for takedown.", zh: "只有在售商品可以提起下架。")
            }
            let f = Finding(ruleId: "REPORT-\(cat!.rawValue.uppercased())", category: cat!, term: "", matched: "", field: "*", start: 0, end: 0,
                            source: "report by \(p.actorId)", severity: 4, disposition: .active, reason: why)
            let market = l.content.markets.first ?? .global
            guard let c = try await self.open(for: l, findings: [MarketFinding(market: market, finding: f)], trigger: .report, actor: p.actorId,
                                              reason: why, in: sql) else {
                throw CommonError.conflict(code: "case-open", en: "A takedown case is already open for this listing.", zh: "该商品已有进行中的下架工单。")
            }
            return c
        }
    }

    /// An officer's decision. Taking down issues penalty points for the worst violation found.
    public func resolve(_ id: String, action: String?, reason: String?, by p: Principal) async throws -> (TakedownCase, Listing) {
        try p.require(.takedownsDecide)
        var v = Validator()
        let act = action.flatMap(TakedownCase.Action.init(rawValue:))
        if act == nil { v.fail("action", "invalid", en: "action must be take-down, clear or request-change.", zh: "action 须为 take-down、clear 或 request-change。") }
        let why = v.text(reason, field: "reason", max: 1000)
        try v.finish()
        return try await db.transaction { [store, listings, audit, clock, penalties, events] sql in
            guard var c = try await store.find(id, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "takedown case", id: id) }
            guard c.status == .open else { throw CommonError.invalidTransition(entity: "takedown case", from: c.status.rawValue, to: act!.status.rawValue) }
            guard var l = try await listings.find(c.listingId, scope: p.scope, in: sql) else {
                throw CommonError.notFound(entity: "listing", id: c.listingId.rawValue)
            }
            let now = clock.now()
            let listingTarget: ListingStatus? = switch act! {
            case .takeDown: .takenDown
            case .requestChange: .needsReview
            case .clear: nil
            }
            if let target = listingTarget, l.status != target {
                guard l.status.canMove(to: target) else {
                    throw CommonError.invalidTransition(entity: "listing", from: l.status.rawValue, to: target.rawValue)
                }
                let from = l.status
                l.status = target; l.statusReason = why; l.updatedAt = now
                try await listings.save(l, isNew: false, by: p.actorId, in: sql)
                try await ComplianceEvents.listingChanged(l, from: from, screened: false, at: now, events: events, in: sql)
            }
            c.status = act!.status; c.resolvedAt = now; c.resolvedBy = p.actorId; c.resolutionReason = why
            try await store.update(c, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: c.merchantId, action: "takedown.\(c.status.rawValue)",
                                              entity: "takedown-case", entityId: id,
                                              data: ["listing": c.listingId.rawValue, "reason": why!,
                                                     "sla": c.sla.state(at: now).rawValue]), in: sql)
            try await ComplianceEvents.takedown(ComplianceEvents.takedownResolved, c, at: now, events: events, in: sql)
            if act == .takeDown {
                let worst = c.findings.map(\.finding.category).contains(.prohibited) ? Violation.prohibited : Violation.infringement
                _ = try await penalties.issue(merchantId: c.merchantId, violation: worst, points: nil, listingId: c.listingId, caseId: id,
                                              reason: "Takedown \(id): \(c.ruleIds.joined(separator: ", ")) — \(why!)", actor: p.personId, in: sql)
            }
            return (c, l)
        }
    }

    /// A merchant's new version of a listing with an open case. The edit only proposes a fix: a reported case, or
    /// one whose rules cannot be fixed by rewording (prohibited goods stay prohibited whatever the title says), waits
    /// for an officer on its 24 h clock. A screening-triggered case closes as fixed only when every finding that
    /// opened it is gone from the new version and every one of them is of a kind an edit can cure.
    func merchantEdited(listing l: Listing, actor: String, in sql: any SQLDatabase) async throws {
        let stillFound = Set(TakedownCase.triggering(l.findings).map(\.finding.ruleId))
        for c in try await store.forListing(l.id, in: sql) where c.status == .open {
            let cured = c.ruleIds.allSatisfy { !stillFound.contains($0) }
            if c.mayCloseOnMerchantEdit && cured {
                try await close(c, status: .fixed, reason: "new version \(l.version) no longer matches \(c.ruleIds.joined(separator: ", "))",
                                actor: actor, in: sql)
            } else {
                try await audit.append(AuditEvent(actor: actor, merchantId: l.merchantId, action: "takedown.fix-proposed", entity: "takedown-case",
                                                  entityId: c.id.rawValue,
                                                  data: ["listing": l.id.rawValue, "version": String(l.version),
                                                         "findingsGone": String(cured)]), in: sql)
            }
        }
    }

    /// Closes the listing's open case when an officer's decision on the listing itself settles it (moderation).
    func closeOpen(listing l: Listing, status: TakedownCase.Status, reason: String, actor: String, in sql: any SQLDatabase) async throws {
        for c in try await store.forListing(l.id, in: sql) where c.status == .open {
            try await close(c, status: status, reason: reason, actor: actor, in: sql)
        }
    }

    private func close(_ c: TakedownCase, status: TakedownCase.Status, reason: String, actor: String, in sql: any SQLDatabase) async throws {
        var c = c
        c.status = status; c.resolvedAt = clock.now(); c.resolvedBy = actor; c.resolutionReason = reason
        try await store.update(c, in: sql)
        try await audit.append(AuditEvent(actor: actor, merchantId: c.merchantId, action: "takedown.\(status.rawValue)", entity: "takedown-case",
                                          entityId: c.id.rawValue, data: ["listing": c.listingId.rawValue, "reason": reason]), in: sql)
        try await ComplianceEvents.takedown(ComplianceEvents.takedownResolved, c, at: c.resolvedAt!, events: events, in: sql)
    }

    public func list(status: TakedownCase.Status?, limit: Int? = nil, by p: Principal) async throws -> [TakedownCase] {
        try await page(status: status, limit: limit, after: nil, by: p).items
    }

    /// One page (`after`: the `next` of the previous page): open cases most urgent first, others newest first.
    public func page(status: TakedownCase.Status?, limit: Int?, after: String?, by p: Principal) async throws -> Page<TakedownCase> {
        let n = min(max(limit ?? 100, 1), 500)
        let cursor = try after.map { try TimeIDCursor(token: $0) }
        let rows = try await db.read { [store] in try await store.list(scope: p.scope, status: status, limit: n + 1, after: cursor, in: $0) }
        return Page.of(rows, limit: n) { TakedownStore.cursor($0, status: status).token }
    }

    public func get(_ id: String, by p: Principal) async throws -> TakedownCase {
        guard let c = try await db.read({ [store] in try await store.find(id, scope: p.scope, in: $0) }) else {
            throw CommonError.notFound(entity: "takedown case", id: id)
        }
        return c
    }

    /// KPIs for cases opened in [from, to).
    public func stats(from: Date, to: Date) async throws -> TakedownStats {
        let cases = try await db.read { [store] in try await store.opened(from: from, to: to, in: $0) }
        let now = clock.now()
        var s = TakedownStats()
        var minutes: [Int] = []
        for c in cases {
            s.opened += 1
            switch c.sla.state(at: now) {
            // The KPI counts officers' decisions only: a case the merchant's edit cured in time is neither met nor breached.
            case .met where !c.isOfficerDecision: s.resolved += 1; s.curedByEdit += 1
            case .met: s.resolved += 1; s.resolvedInTime += 1
            case .metLate: s.resolved += 1; s.breached += 1
            case .breached: s.open += 1; s.breached += 1
            case .running, .dueSoon: s.open += 1
            }
            if let r = c.resolvedAt { minutes.append(Int(r.timeIntervalSince(c.openedAt) / 60)) }
        }
        minutes.sort()
        if !minutes.isEmpty { s.medianResolutionMinutes = minutes[minutes.count / 2] }
        return s
    }
}
