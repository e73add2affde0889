import Foundation
import Kernel
import SQLKit

/// Penalty points per violation, accumulated per calendar year (China time) per merchant; thresholds turn into
/// sanctions that search, advertising and Payments honour (CMP4, C 4.2.3a, 4.8.2). Every change is audited.
public struct PenaltyService: Sendable {
    let db: Database
    let clock: any WallClock
    let audit: AuditLog
    let store = PenaltyStore()
    /// Checks that a penalty's merchant exists (nil: no merchant directory, as in this module's own tests).
    let merchants: (any MerchantRegistry)?
    public static let timeZone = TimeZone(identifier: "Asia/Shanghai")!

    public init(db: Database, clock: any WallClock, merchants: (any MerchantRegistry)? = nil) {
        self.db = db; self.clock = clock; self.merchants = merchants; audit = AuditLog(clock: clock)
    }

    static func mayIssue(_ p: Principal) -> Bool { p.can(.penaltiesIssue) }

    public func year(of date: Date) -> Int { LocalDate(date, in: Self.timeZone).year }

    public func policy() async throws -> PenaltyPolicy { try await db.read { [store] in try await store.policy(in: $0) } }

    public func setPolicy(_ policy: PenaltyPolicy, by p: Principal) async throws -> PenaltyPolicy {
        try p.require(.penaltiesPolicy)
        try policy.validate()
        let json = String(decoding: try ListingStore.encoder.encode(policy), as: UTF8.self)
        try await db.transaction { [store, audit, clock] sql in
            try await store.savePolicy(policy, by: p.actorId, at: clock.now(), in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: nil, action: "penalty.policy-changed", entity: "penalty-policy",
                                              entityId: "current", data: ["policy": json]), in: sql)
            // Stored sanctions are what Payments and listing saves read: bring them in line with the new thresholds now.
            for merchant in try await store.merchantsWithStanding(in: sql) { _ = try await self.recompute(merchant, actor: p.actorId, in: sql) }
        }
        return policy
    }

    /// Records a penalty inside the caller's transaction (takedowns issue them automatically).
    func issue(merchantId: MerchantID, violation: Violation, points: Int?, listingId: ListingID?, caseId: String?, reason: String,
               actor: String, in sql: any SQLDatabase) async throws -> Penalty {
        let policy = try await store.policy(in: sql)
        let now = clock.now()
        let penalty = Penalty(id: .generate(), merchantId: merchantId, year: year(of: now), violation: violation,
                              points: points ?? policy.points(for: violation), listingId: listingId, caseId: caseId, reason: reason,
                              status: .active, issuedBy: actor, issuedAt: now)
        try await store.insert(penalty, in: sql)
        try await audit.append(AuditEvent(actor: actor, merchantId: merchantId, action: "penalty.issued", entity: "penalty",
                                          entityId: penalty.id.rawValue,
                                          data: ["violation": violation.rawValue, "points": String(penalty.points), "reason": reason]), in: sql)
        _ = try await recompute(merchantId, actor: actor, in: sql)
        return penalty
    }

    public func issue(merchantId: String?, violation: String?, points: Int?, listingId: String?, reason: String?, by p: Principal) async throws -> Penalty {
        try p.require(.penaltiesIssue)
        var v = Validator()
        let merchant = v.id(merchantId, MerchantID.self, field: "merchantId", required: true)
        // An empty listingId means none; anything else must be a listing id (it is linked to from the penalty).
        let listing = v.id(listingId, ListingID.self, field: "listingId")
        let kind = violation.flatMap(Violation.init(rawValue:))
        if kind == nil {
            v.fail("violation", violation == nil ? "required" : "unknown-violation",
                   en: "violation must be one of \(Violation.allCases.map(\.rawValue).joined(separator: ", ")).",
                   zh: "violation 的取值无效，可选值：\(Violation.allCases.map(\.rawValue).joined(separator: "、"))。")
        }
        if let points, !(0...100).contains(points) { v.fail("points", "out-of-range", en: "points must be 0–100.", zh: "分值须在 0–100 之间。") }
        let why = v.text(reason, field: "reason", max: 1000)
        try v.finish()
        return try await db.transaction { [merchants] sql in
            try await merchants?.require(merchant!, in: sql)
            return try await self.issue(merchantId: merchant!, violation: kind!, points: points, listingId: listing, caseId: nil, reason: why!,
                                 actor: p.personId, in: sql)
        }
    }

    /// A merchant admin contests a penalty within 30 days; points keep counting until decided.
    public func appeal(_ id: String, reason: String?, by p: Principal) async throws -> Penalty {
        try p.require(.penaltiesAppeal)
        var v = Validator()
        let why = v.text(reason, field: "reason", max: 2000)
        try v.finish()
        return try await db.transaction { [store, audit, clock] sql in
            guard var pen = try await store.find(id, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "penalty", id: id) }
            guard pen.status == .active, pen.appealOutcome == nil else {
                throw CommonError.invalidTransition(entity: "penalty", from: pen.appealOutcome == nil ? pen.status.rawValue : "decided", to: "appealed")
            }
            let now = clock.now()
            if now.timeIntervalSince(pen.issuedAt) > Double(Penalty.appealWindowDays) * 86400 {
                throw CommonError.conflict(code: "appeal-window-closed", en: "Appeals are accepted within \(Penalty.appealWindowDays) days.",
                                           zh: "申诉须在处罚后 \(Penalty.appealWindowDays) 日内提出。")
            }
            pen.status = .appealed; pen.appealReason = why; pen.appealedAt = now; pen.appealedBy = p.personId
            try await store.update(pen, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: pen.merchantId, action: "penalty.appealed", entity: "penalty",
                                              entityId: id, data: ["reason": why!]), in: sql)
            return pen
        }
    }

    /// A second officer decides the appeal: never the person who issued the penalty nor the one who appealed it, whichever
    /// of their credentials they use.
    public func decideAppeal(_ id: String, outcome: String?, points: Int?, note: String?, by p: Principal) async throws -> Penalty {
        try p.require(.appealsDecide)
        var v = Validator()
        let result = outcome.flatMap(Penalty.AppealOutcome.init(rawValue:))
        if result == nil { v.fail("outcome", "invalid", en: "outcome must be upheld, reduced or overturned.", zh: "outcome 须为 upheld、reduced 或 overturned。") }
        if result == .reduced && points == nil { v.fail("points", "required", en: "points is required when reducing.", zh: "减分时须填写 points。") }
        let why = v.text(note, field: "note", max: 2000)
        try v.finish()
        return try await db.transaction { [store, audit, clock] sql in
            guard var pen = try await store.find(id, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "penalty", id: id) }
            guard pen.status == .appealed else { throw CommonError.invalidTransition(entity: "penalty", from: pen.status.rawValue, to: result!.rawValue) }
            guard pen.issuedBy != p.personId else {
                throw CommonError.conflict(code: "four-eyes", en: "The officer who issued a penalty cannot decide its appeal.",
                                           zh: "开具处罚的人员不能审理其申诉。")
            }
            guard pen.appealedBy != p.personId else {
                throw CommonError.conflict(code: "four-eyes", en: "Whoever filed an appeal cannot decide it.", zh: "申诉人不能审理自己的申诉。")
            }
            if result == .reduced, let points, !(0..<pen.points).contains(points) {
                throw ValidationError(field: "points", code: "not-reduced", en: "Reduced points must be below \(pen.points).", zh: "减分后的分值须低于 \(pen.points)。")
            }
            let before = pen.points
            switch result! {
            case .upheld: pen.status = .active
            case .reduced: pen.status = .active; pen.points = points!
            case .overturned: pen.status = .revoked
            }
            pen.appealOutcome = result; pen.appealNote = why; pen.appealDecidedBy = p.personId; pen.appealDecidedAt = clock.now()
            try await store.update(pen, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: pen.merchantId, action: "penalty.appeal-\(result!.rawValue)",
                                              entity: "penalty", entityId: id,
                                              data: ["note": why!, "pointsBefore": String(before), "pointsAfter": String(pen.countedPoints)]), in: sql)
            _ = try await self.recompute(pen.merchantId, actor: p.actorId, in: sql)
            return pen
        }
    }

    /// Recomputes and records the merchant's standing; a change of sanctions is audited.
    func recompute(_ merchantId: MerchantID, actor: String, in sql: any SQLDatabase) async throws -> Standing {
        let now = clock.now()
        let y = year(of: now)
        let penalties = try await store.list(merchantId: merchantId, year: y, status: nil, limit: 10_000, in: sql)
        let standing = Standing(merchantId: merchantId, year: y, penalties: penalties, policy: try await store.policy(in: sql))
        let before = try await store.recordedSanctions(merchantId, in: sql)
        try await store.saveStanding(standing, at: now, in: sql)
        if standing.has(.storeClosure) && !(before?.sanctions.contains(.storeClosure) ?? false) {
            // Store closure takes every live listing off sale at once (CMP4); reopening needs new saves after the sanction lifts.
            let closed = try await ListingStore().takeDownAll(merchantId: merchantId, reason: "store closed: \(standing.points) penalty points in \(y)",
                                                               at: now, in: sql)
            try await audit.append(AuditEvent(actor: actor, merchantId: merchantId, action: "merchant.store-closed", entity: "merchant",
                                              entityId: merchantId.rawValue, data: ["listingsTakenDown": String(closed)]), in: sql)
        }
        if before?.sanctions != standing.sanctions || before?.year != y {
            try await audit.append(AuditEvent(actor: actor, merchantId: merchantId, action: "merchant.sanctions-changed", entity: "merchant",
                                              entityId: merchantId.rawValue,
                                              data: ["points": String(standing.points), "sanctions": standing.sanctions.map(\.rawValue).joined(separator: ",")]),
                                   in: sql)
        }
        return standing
    }

    public func list(merchantId: MerchantID?, year: Int?, status: Penalty.Status?, by p: Principal) async throws -> [Penalty] {
        try await page(merchantId: merchantId, year: year, status: status, limit: 500, after: nil, by: p).items
    }

    /// Newest first, one page (`after`: the `next` of the previous page); merchant callers only ever see their own.
    public func page(merchantId: MerchantID?, year: Int?, status: Penalty.Status?, limit: Int?, after: String?, by p: Principal) async throws -> Page<Penalty> {
        let merchant = p.scope.merchantId ?? merchantId
        let n = min(max(limit ?? 100, 1), 500)
        let cursor = try after.map { try TimeIDCursor(token: $0) }
        let rows = try await db.read { [store] in
            try await store.list(merchantId: merchant, year: year, status: status, limit: n + 1, after: cursor, in: $0)
        }
        return Page.of(rows, limit: n) { TimeIDCursor(time: $0.issuedAt.epochMillis, id: $0.id.rawValue).token }
    }

    public func get(_ id: String, by p: Principal) async throws -> Penalty {
        guard let pen = try await db.read({ [store] in try await store.find(id, scope: p.scope, in: $0) }) else {
            throw CommonError.notFound(entity: "penalty", id: id)
        }
        return pen
    }

    /// The merchant's points and sanctions this calendar year (or `year`).
    public func standing(_ merchantId: MerchantID, year: Int? = nil, by p: Principal) async throws -> Standing {
        guard p.scope.allows(merchantId) else { throw CommonError.notFound(entity: "merchant", id: merchantId.rawValue) }
        let y = year ?? self.year(of: clock.now())
        return try await db.read { [store] sql in
            Standing(merchantId: merchantId, year: y, penalties: try await store.list(merchantId: merchantId, year: y, status: nil, limit: 10_000, in: sql),
                     policy: try await store.policy(in: sql))
        }
    }

    /// Sanctions in force now, for other modules (listing creation, Payments' payout hold).
    public func sanctions(for merchantId: MerchantID) async throws -> [Sanction] {
        try await sanctions(for: merchantId, in: nil)
    }

    func sanctions(for merchantId: MerchantID, in sql: (any SQLDatabase)?) async throws -> [Sanction] {
        let y = year(of: clock.now())
        let read: @Sendable (any SQLDatabase) async throws -> [Sanction] = { [store] sql in
            guard let r = try await store.recordedSanctions(merchantId, in: sql), r.year == y else { return [] }
            return r.sanctions
        }
        if let sql { return try await read(sql) }
        return try await db.read(read)
    }
}
