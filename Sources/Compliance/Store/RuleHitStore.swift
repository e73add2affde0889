import Foundation
import Kernel
import SQLKit

/// A listing that a rule hit in its latest screening (the catalogue editor's "recent hits").
public struct RuleHit: Sendable, Equatable {
    public let listingId: ListingID
    public let merchantId: MerchantID
    public let listingTitle: String
    public let listingStatus: ListingStatus?
    public let listingVersion: Int
    public let market: Market?
    public let matched: String
    public let field: String
    /// `active` counted toward the verdict; `note` was cleared (certificate, allow-phrase, authorisation).
    public let disposition: Finding.Disposition
    public let screenedAt: Date
}

/// SQL for `screening_hits`: one row per (listing, market, rule) of each listing's latest screening, rewritten with
/// every screening in the transaction that stores it, so a rule's hits are one indexed read.
struct RuleHitStore: Sendable {
    /// Replaces the listing's hits with those of its current findings.
    func replace(for l: Listing, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "screening_hits").where("listing_id", .equal, l.id.rawValue).run()
        var seen: [String: Int] = [:]
        var rows: [[any Encodable & Sendable]] = []
        for mf in l.findings {
            let f = mf.finding
            let key = mf.market.rawValue + "\u{1F}" + f.ruleId
            let row: [any Encodable & Sendable] = [l.id.rawValue, mf.market.rawValue, f.ruleId, l.merchantId.rawValue, Int64(l.version),
                                                   String(f.matched.prefix(200)), f.field, f.disposition.rawValue, l.screenedAt.epochMillis]
            if let i = seen[key] {
                // An active finding of the rule wins over a cleared one.
                if f.disposition == .active, (rows[i][7] as? String) != Finding.Disposition.active.rawValue { rows[i] = row }
                continue
            }
            seen[key] = rows.count
            rows.append(row)
        }
        // Findings are capped per listing (FindingLimits), so this is a bounded number of rows.
        for chunk in stride(from: 0, to: rows.count, by: 100) {
            let insert = sql.insert(into: "screening_hits").columns("listing_id", "market", "rule_id", "merchant_id", "listing_version",
                                                                     "matched", "field", "disposition", "screened_at")
            for row in rows[chunk..<min(chunk + 100, rows.count)] { insert.values(row) }
            try await insert.run()
        }
    }

    struct Row: Decodable {
        let listingId: String
        let market: String
        let merchantId: String
        let listingVersion: Int64
        let matched: String
        let field: String
        let disposition: String
        let screenedAt: Int64
        let title: String?
        let status: String?
    }

    /// A page cursor's id part: `<listing id>-<market>` (a listing has a hit row per market).
    static func cursorID(_ h: RuleHit) -> String { h.listingId.rawValue + "-" + (h.market?.rawValue ?? "") }

    static func split(_ id: String) -> (String, String) {
        guard let dash = id.lastIndex(of: "-") else { return (id, "") }
        return (String(id[..<dash]), String(id[id.index(after: dash)...]))
    }

    /// Newest screening first; `after` is the (screened_at, listing id, market) of the previous page's last row.
    func hits(ruleId: String, limit: Int, after: TimeIDCursor?, in sql: any SQLDatabase) async throws -> [RuleHit] {
        let q = sql.select()
            .columns(SQLColumn("listing_id", table: "h"), SQLColumn("market", table: "h"), SQLColumn("merchant_id", table: "h"),
                     SQLColumn("listing_version", table: "h"), SQLColumn("matched", table: "h"), SQLColumn("field", table: "h"),
                     SQLColumn("disposition", table: "h"), SQLColumn("screened_at", table: "h"), SQLColumn("title", table: "l"),
                     SQLColumn("status", table: "l"))
            .from(SQLAlias(SQLIdentifier("screening_hits"), as: SQLIdentifier("h")))
            .join(SQLAlias(SQLIdentifier("listings"), as: SQLIdentifier("l")), method: SQLJoinMethod.left,
                  on: SQLColumn("id", table: "l"), SQLBinaryOperator.equal, SQLColumn("listing_id", table: "h"))
            .where(SQLColumn("rule_id", table: "h"), .equal, SQLBind(ruleId))
        if let after {
            q.where { w in
                w.where(SQLColumn("screened_at", table: "h"), .lessThan, SQLBind(after.time)).orWhere { w in
                    let (listing, market) = Self.split(after.id)
                    return w.where(SQLColumn("screened_at", table: "h"), .equal, SQLBind(after.time)).where { w in
                        w.where(SQLColumn("listing_id", table: "h"), .lessThan, SQLBind(listing)).orWhere { w in
                            w.where(SQLColumn("listing_id", table: "h"), .equal, SQLBind(listing))
                                .where(SQLColumn("market", table: "h"), .greaterThan, SQLBind(market))
                        }
                    }
                }
            }
        }
        return try await q.orderBy(SQLColumn("screened_at", table: "h"), SQLDirection.descending)
            .orderBy(SQLColumn("listing_id", table: "h"), SQLDirection.descending).orderBy(SQLColumn("market", table: "h"), SQLDirection.ascending).limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            .map { r in
                RuleHit(listingId: ListingID(unchecked: r.listingId), merchantId: MerchantID(unchecked: r.merchantId), listingTitle: r.title ?? "",
                        listingStatus: r.status.flatMap(ListingStatus.init(rawValue:)), listingVersion: Int(r.listingVersion),
                        market: Market(rawValue: r.market), matched: r.matched, field: r.field,
                        disposition: Finding.Disposition(rawValue: r.disposition) ?? .active, screenedAt: Date(epochMillis: r.screenedAt))
            }
    }
}
