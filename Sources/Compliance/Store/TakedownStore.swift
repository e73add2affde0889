import Foundation
import Kernel
import SQLKit

/// SQL for takedown cases (CMP3); merchant callers only ever see their own.
struct TakedownStore: Sendable {
    struct Row: Codable {
        let id: String
        let listingId: String
        let merchantId: String
        let listingVersion: Int64
        let trigger: String
        let ruleIds: String
        let findings: String
        let openedAt: Int64
        let dueAt: Int64
        let status: String
        let resolvedAt: Int64?
        let resolvedBy: String?
        let resolutionReason: String?
        let escalatedAt: Int64?
    }

    func insert(_ c: TakedownCase, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "takedown_cases")
            .columns("id", "listing_id", "merchant_id", "listing_version", "trigger", "rule_ids", "findings", "opened_at", "due_at", "status")
            .values([c.id.rawValue, c.listingId.rawValue, c.merchantId.rawValue, Int64(c.listingVersion), c.trigger.rawValue, c.ruleIds.joined(separator: ","),
                     String(decoding: try ListingStore.encoder.encode(c.findings), as: UTF8.self), c.openedAt.epochMillis,
                     c.dueAt.epochMillis, c.status.rawValue] as [any Encodable & Sendable]).run()
    }

    func update(_ c: TakedownCase, in sql: any SQLDatabase) async throws {
        try await sql.update("takedown_cases").set("status", to: c.status.rawValue).set("resolved_at", to: c.resolvedAt?.epochMillis)
            .set("resolved_by", to: c.resolvedBy).set("resolution_reason", to: c.resolutionReason)
            .set("escalated_at", to: c.escalatedAt?.epochMillis).where("id", .equal, c.id.rawValue).run()
    }

    func find(_ id: String, scope: TenantScope, in sql: any SQLDatabase) async throws -> TakedownCase? {
        let q = sql.select().column("*").from("takedown_cases").where("id", .equal, id)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        return try await q.first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func forListing(_ listingId: ListingID, in sql: any SQLDatabase) async throws -> [TakedownCase] {
        try await sql.select().column("*").from("takedown_cases").where("listing_id", .equal, listingId.rawValue).orderBy("opened_at", .descending)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    /// Open cases most urgent first (due time, id); other states newest first (opened time, id) — one page after `after`.
    func list(scope: TenantScope, status: TakedownCase.Status?, limit: Int, after: TimeIDCursor? = nil,
              in sql: any SQLDatabase) async throws -> [TakedownCase] {
        let q = sql.select().column("*").from("takedown_cases")
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        if let status { q.where("status", .equal, status.rawValue) }
        let (column, ascending) = Self.order(status)
        if let after {
            let cmp: SQLBinaryOperator = ascending ? .greaterThan : .lessThan
            q.where { $0.where(column, cmp, after.time).orWhere { $0.where(column, .equal, after.time).where("id", cmp, after.id) } }
        }
        return try await q.orderBy(column, ascending ? .ascending : .descending).orderBy("id", ascending ? .ascending : .descending)
            .limit(limit).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    static func order(_ status: TakedownCase.Status?) -> (column: String, ascending: Bool) {
        status == .open ? ("due_at", true) : ("opened_at", false)
    }

    static func cursor(_ c: TakedownCase, status: TakedownCase.Status?) -> TimeIDCursor {
        TimeIDCursor(time: (status == .open ? c.dueAt : c.openedAt).epochMillis, id: c.id.rawValue)
    }

    /// Open cases (with their listing's title) that `q` selects, most urgent first: the running 24 h clocks.
    func open(_ query: DeadlineQuery, in sql: any SQLDatabase) async throws -> [(TakedownCase, String)] {
        let (scope, dueBefore, limit) = (query.scope, query.dueBefore, query.limit)
        let q = sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("c"))).column(SQLColumn("title", table: "l"))
            .from(SQLAlias(SQLIdentifier("takedown_cases"), as: SQLIdentifier("c")))
            .join(SQLAlias(SQLIdentifier("listings"), as: SQLIdentifier("l")), method: SQLJoinMethod.left,
                  on: SQLColumn("listing_id", table: "c"), .equal, SQLColumn("id", table: "l"))
            .where(SQLColumn("status", table: "c"), .equal, SQLBind(TakedownCase.Status.open.rawValue))
        if let m = scope.merchantId { q.where(SQLColumn("merchant_id", table: "c"), .equal, SQLBind(m.rawValue)) }
        if let dueBefore { q.where(SQLColumn("due_at", table: "c"), .lessThanOrEqual, SQLBind(dueBefore.epochMillis)) }
        if let dueAfter = query.dueAfter { q.where(SQLColumn("due_at", table: "c"), .greaterThan, SQLBind(dueAfter.epochMillis)) }
        if let after = query.after {
            // Row-value comparison, written out: (due_at, id) > (cursor).
            q.where { w in
                w.where(SQLColumn("due_at", table: "c"), .greaterThan, SQLBind(after.dueAt.epochMillis))
                 .orWhere { $0.where(SQLColumn("due_at", table: "c"), .equal, SQLBind(after.dueAt.epochMillis))
                              .where(SQLColumn("id", table: "c"), .greaterThan, SQLBind(after.entityId)) }
            }
        }
        let rows = try await q.orderBy(SQLColumn("due_at", table: "c")).orderBy(SQLColumn("id", table: "c")).limit(limit).all()
        return try rows.map { row in
            (try Self.model(try row.decode(model: Row.self, keyDecodingStrategy: .convertFromSnakeCase)),
             try row.decode(column: "title", as: String?.self) ?? "")
        }
    }

    /// Cases opened in [from, to), for the KPIs.
    func opened(from: Date, to: Date, in sql: any SQLDatabase) async throws -> [TakedownCase] {
        try await sql.select().column("*").from("takedown_cases").where("opened_at", .greaterThanOrEqual, from.epochMillis)
            .where("opened_at", .lessThan, to.epochMillis)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    static func model(_ r: Row) throws -> TakedownCase {
        TakedownCase(id: TakedownCaseID(unchecked: r.id), listingId: ListingID(unchecked: r.listingId), merchantId: MerchantID(unchecked: r.merchantId), listingVersion: Int(r.listingVersion),
                     trigger: TakedownCase.Trigger(rawValue: r.trigger) ?? .report, ruleIds: r.ruleIds.split(separator: ",").map(String.init),
                     findings: try JSONDecoder().decode([MarketFinding].self, from: Data(r.findings.utf8)),
                     openedAt: Date(epochMillis: r.openedAt), dueAt: Date(epochMillis: r.dueAt),
                     status: TakedownCase.Status(rawValue: r.status) ?? .open, resolvedAt: r.resolvedAt.map(Date.init(epochMillis:)),
                     resolvedBy: r.resolvedBy, resolutionReason: r.resolutionReason, escalatedAt: r.escalatedAt.map(Date.init(epochMillis:)))
    }
}
