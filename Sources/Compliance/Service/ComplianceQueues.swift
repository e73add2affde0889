import Foundation
import Kernel
import SQLKit

/// What the listings list can be filtered by (the dashboard links to exactly these sets, issue 12 item 10).
public struct ListingFilter: Sendable, Equatable {
    public var status: ListingStatus?
    public var market: Market?
    public var query: String?
    public var merchantId: MerchantID?
    public var verdict: Verdict?
    /// The Chinese-calendar day (`ChinaDay.number`) of the latest screening.
    public var screenedDay: Int64?

    public init(status: ListingStatus? = nil, market: Market? = nil, query: String? = nil, merchantId: MerchantID? = nil,
                verdict: Verdict? = nil, screenedDay: Int64? = nil) {
        self.status = status; self.market = market; self.query = query; self.merchantId = merchantId
        self.verdict = verdict; self.screenedDay = screenedDay
    }
}

/// Listings per day of their latest screening and its verdict.
public struct ScreeningDay: Sendable, Equatable {
    public let day: Int64
    public let verdict: Verdict
    public let count: Int
}

extension ListingService {
    /// Listings in `status` (a merchant caller: its own) and the oldest one's last change, i.e. since it waits.
    public func queue(status: ListingStatus, by p: Principal) async throws -> QueueStat {
        try await db.read { sql in
            let q = sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")
                .column(SQLFunction("min", args: SQLColumn("updated_at")), as: "oldest")
                .from("listings").where("status", .equal, status.rawValue)
            if let m = p.scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
            let row = try await q.first()
            return QueueStat(count: Int(try row?.decode(column: "n", as: Int64.self) ?? 0),
                             oldest: try row?.decode(column: "oldest", as: Int64?.self).map(Date.init(epochMillis:)))
        }
    }

    /// Listings by the day (UTC+8) of their latest screening and its verdict, for the `days` days up to today: each
    /// listing once, on the day it was last screened (a re-screen moves it). Bounded by the days asked (≤ 90).
    public func screeningByDay(days: Int, by p: Principal) async throws -> [ScreeningDay] {
        let today = ChinaDay.number(clock.now())
        let first = today - Int64(min(max(days, 1), 90)) + 1
        return try await db.read { sql in
            let day: SQLQueryString = "(screened_at + \(unsafeRaw: String(ChinaDay.offsetMillis))) / \(unsafeRaw: String(ChinaDay.dayMillis))"
            let q = sql.select().column(SQLAlias(day, as: SQLIdentifier("d"))).column("verdict")
                .column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("listings")
                .where("screened_at", .greaterThanOrEqual, ChinaDay.start(first).epochMillis)
                .where("screened_at", .lessThan, ChinaDay.start(today + 1).epochMillis)
            if let m = p.scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
            return try await q.groupBy(SQLIdentifier("d")).groupBy("verdict").all().compactMap { row in
                guard let v = Verdict(rawValue: try row.decode(column: "verdict", as: String.self)) else { return nil }
                return ScreeningDay(day: try row.decode(column: "d", as: Int64.self), verdict: v, count: Int(try row.decode(column: "n", as: Int64.self)))
            }
        }
    }
}

extension TakedownService {
    /// Cases in `status` (a merchant caller: its own) and when the oldest was opened.
    public func queue(status: TakedownCase.Status, by p: Principal) async throws -> QueueStat {
        try await db.read { sql in
            let q = sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")
                .column(SQLFunction("min", args: SQLColumn("opened_at")), as: "oldest")
                .from("takedown_cases").where("status", .equal, status.rawValue)
            if let m = p.scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
            let row = try await q.first()
            return QueueStat(count: Int(try row?.decode(column: "n", as: Int64.self) ?? 0),
                             oldest: try row?.decode(column: "oldest", as: Int64?.self).map(Date.init(epochMillis:)))
        }
    }

    /// The cases of one listing, newest first (a merchant caller: only when the listing is its own).
    public func forListing(_ id: ListingID, by p: Principal) async throws -> [TakedownCase] {
        try await db.read { [store] sql in
            try await store.forListing(id, in: sql).filter { p.scope.allows($0.merchantId) }.prefix(100).map { $0 }
        }
    }

    /// A merchant's cases, newest first (≤ `limit`, at most 200); a merchant caller sees only its own.
    public func forMerchant(_ merchantId: MerchantID, limit: Int, by p: Principal) async throws -> [TakedownCase] {
        guard p.scope.allows(merchantId) else { return [] }
        return try await db.read { [store] sql in
            try await store.list(scope: .merchant(merchantId), status: nil, limit: min(max(limit, 1), 200), in: sql)
        }
    }
}
