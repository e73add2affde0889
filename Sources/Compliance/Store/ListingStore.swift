import Foundation
import Kernel
import SQLKit

/// SQL for listings and their immutable versions; every read is tenant-scoped.
struct ListingStore: Sendable {
    struct Row: Codable {
        let id: String
        let merchantId: String
        let status: String
        let version: Int64
        let content: String
        let verdict: String
        let findings: String
        let catalogueVersion: String
        let screenedAt: Int64
        let statusReason: String?
        let createdAt: Int64
        let updatedAt: Int64
    }

    static let columns = ["id", "merchant_id", "status", "version", "content", "verdict", "findings", "catalogue_version",
                          "screened_at", "status_reason", "created_at", "updated_at"]
    static let encoder: JSONEncoder = { let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; return e }()

    func save(_ l: Listing, isNew: Bool, by actor: String, in sql: any SQLDatabase) async throws {
        let content = String(decoding: try Self.encoder.encode(l.content), as: UTF8.self)
        let findings = String(decoding: try Self.encoder.encode(l.findings), as: UTF8.self)
        let markets = l.content.markets.map(\.rawValue).joined(separator: ",")
        if isNew {
            try await sql.insert(into: "listings")
                .columns(Self.columns + ["title", "markets"])
                .values([l.id.rawValue, l.merchantId.rawValue, l.status.rawValue, Int64(l.version), content, l.verdict.rawValue, findings,
                         l.catalogueVersion, l.screenedAt.epochMillis, l.statusReason, l.createdAt.epochMillis, l.updatedAt.epochMillis,
                         l.content.title, markets] as [any Encodable & Sendable]).run()
        } else {
            try await sql.update("listings")
                .set("status", to: l.status.rawValue).set("version", to: Int64(l.version)).set("content", to: content)
                .set("verdict", to: l.verdict.rawValue).set("findings", to: findings).set("catalogue_version", to: l.catalogueVersion)
                .set("screened_at", to: l.screenedAt.epochMillis).set("status_reason", to: l.statusReason)
                .set("updated_at", to: l.updatedAt.epochMillis).set("title", to: l.content.title).set("markets", to: markets)
                .where("id", .equal, l.id.rawValue).run()
        }
        try await RuleHitStore().replace(for: l, in: sql)
    }

    /// A re-screen's result only: the content is unchanged, so it is not encoded and written again.
    func saveScreening(_ l: Listing, in sql: any SQLDatabase) async throws {
        try await sql.update("listings").set("status", to: l.status.rawValue).set("verdict", to: l.verdict.rawValue)
            .set("findings", to: String(decoding: try Self.encoder.encode(l.findings), as: UTF8.self))
            .set("catalogue_version", to: l.catalogueVersion).set("screened_at", to: l.screenedAt.epochMillis)
            .set("status_reason", to: l.statusReason).set("updated_at", to: l.updatedAt.epochMillis)
            .where("id", .equal, l.id.rawValue).run()
        try await RuleHitStore().replace(for: l, in: sql)
    }

    func insertVersion(_ l: Listing, by actor: String, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "listing_versions")
            .columns("listing_id", "version", "merchant_id", "content", "verdict", "findings", "catalogue_version", "created_by", "created_at")
            .values([l.id.rawValue, Int64(l.version), l.merchantId.rawValue, String(decoding: try Self.encoder.encode(l.content), as: UTF8.self),
                     l.verdict.rawValue, String(decoding: try Self.encoder.encode(l.findings), as: UTF8.self), l.catalogueVersion,
                     actor, l.updatedAt.epochMillis] as [any Encodable & Sendable]).run()
    }

    func find(_ id: ListingID, scope: TenantScope, in sql: any SQLDatabase) async throws -> Listing? {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("listings").where("id", .equal, id.rawValue)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        return try await q.first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func list(scope: TenantScope, status: ListingStatus?, market: Market?, query: String?, limit: Int, after: String?,
              merchantId: MerchantID? = nil, verdict: Verdict? = nil, screenedDay: Int64? = nil,
              in sql: any SQLDatabase) async throws -> [Listing] {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("listings")
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        if let merchantId { q.where("merchant_id", .equal, merchantId.rawValue) }
        if let status { q.where("status", .equal, status.rawValue) }
        if let verdict { q.where("verdict", .equal, verdict.rawValue) }
        if let screenedDay {
            q.where("screened_at", .greaterThanOrEqual, ChinaDay.start(screenedDay).epochMillis)
                .where("screened_at", .lessThan, ChinaDay.start(screenedDay + 1).epochMillis)
        }
        if let market {
            let pattern: SQLQueryString = "(',' || markets || ',') LIKE \(bind: "%," + market.rawValue + ",%")"
            q.where(pattern)
        }
        if let query, !query.isEmpty {
            let pattern: SQLQueryString = "lower(title) LIKE \(bind: "%" + likeEscaped(query.lowercased()) + "%") ESCAPE '\\'"
            q.where(pattern)
        }
        if let after { q.where("id", .greaterThan, after) }
        return try await q.orderBy("id").limit(limit).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    struct VersionRow: Codable {
        let version: Int64
        let content: String
        let verdict: String
        let findings: String
        let catalogueVersion: String
        let createdBy: String
        let createdAt: Int64
    }

    func versions(_ id: ListingID, limit: Int = 10_000, before: Int? = nil, in sql: any SQLDatabase) async throws -> [VersionRow] {
        let q = sql.select().columns("version", "content", "verdict", "findings", "catalogue_version", "created_by", "created_at")
            .from("listing_versions").where("listing_id", .equal, id.rawValue)
        if let before { q.where("version", .lessThan, Int64(before)) }
        return try await q.orderBy("version", .descending).limit(limit)
            .all(decoding: VersionRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    func insertPrice(_ l: Listing, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "listing_prices").columns("listing_id", "version", "amount", "currency", "at")
            .values([l.id.rawValue, Int64(l.version), l.content.price.minorUnits, l.content.price.currency.code, l.updatedAt.epochMillis]
                    as [any Encodable & Sendable]).run()
    }

    func prices(_ listingId: ListingID, in sql: any SQLDatabase) async throws -> [PricePoint] {
        struct R: Decodable { let amount: Int64; let currency: String; let at: Int64 }
        return try await sql.select().columns("amount", "currency", "at").from("listing_prices").where("listing_id", .equal, listingId.rawValue)
            .orderBy("version").all(decoding: R.self).compactMap { r in
                (try? Currency(r.currency)).map { PricePoint(price: Money(minorUnits: r.amount, currency: $0), at: Date(epochMillis: r.at)) }
            }
    }

    /// Takes every live listing of a merchant off sale; returns how many.
    func takeDownAll(merchantId: MerchantID, reason: String, at: Date, in sql: any SQLDatabase) async throws -> Int {
        struct R: Decodable { let id: String }
        let rows = try await sql.update("listings").set("status", to: ListingStatus.takenDown.rawValue).set("status_reason", to: reason)
            .set("updated_at", to: at.epochMillis).where("merchant_id", .equal, merchantId.rawValue).where("status", .in, Self.liveStatuses)
            .returning("id").all(decoding: R.self)
        return rows.count
    }

    static let liveStatuses = [ListingStatus.active.rawValue, ListingStatus.needsReview.rawValue]

    func marketFilter(_ market: Market) -> SQLQueryString { "(',' || markets || ',') LIKE \(bind: "%," + market.rawValue + ",%")" }

    /// Live listings offered in `market`, in id order after `cursor`: one re-screen batch. A listing already screened
    /// against `screenedWith` comes back as its id only (`listing` nil): it moves the cursor and counts, without the
    /// cost of decoding its content, which the later market jobs of a full re-screen would otherwise pay for nothing.
    /// The walk must follow the primary key: SQLite would otherwise pick the status index and sort every live listing
    /// for each batch (quadratic; bench/README.md). The unary `+` keeps SQLite off that index; PostgreSQL plans it well.
    func live(in market: Market, after cursor: String, limit: Int, unlessScreenedWith screenedWith: String? = nil,
              in sql: any SQLDatabase) async throws -> [(id: String, listing: Listing?)] {
        let status: any SQLExpression = sql.engine == .sqlite ? SQLRaw("+status") : SQLIdentifier("status")
        return try await sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("listings")
            .where(status, .in, SQLGroupExpression(Self.liveStatuses.map { SQLBind($0) }))
            .where(marketFilter(market)).where("id", .greaterThan, cursor).orderBy("id").limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            .map { r in (r.id, r.catalogueVersion == screenedWith ? nil : try Self.model(r)) }
    }

    func countLive(in market: Market, in sql: any SQLDatabase) async throws -> Int {
        struct R: Decodable { let n: Int64 }
        let r = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("listings")
            .where("status", .in, Self.liveStatuses).where(marketFilter(market)).first(decoding: R.self)
        return Int(r?.n ?? 0)
    }

    static func model(_ r: Row) throws -> Listing {
        let d = JSONDecoder()
        return Listing(id: ListingID(unchecked: r.id), merchantId: MerchantID(unchecked: r.merchantId), status: ListingStatus(rawValue: r.status) ?? .draft,
                       version: Int(r.version), content: try d.decode(ListingContent.self, from: Data(r.content.utf8)),
                       verdict: Verdict(rawValue: r.verdict) ?? .review,
                       findings: try d.decode([MarketFinding].self, from: Data(r.findings.utf8)),
                       catalogueVersion: r.catalogueVersion, screenedAt: Date(epochMillis: r.screenedAt), statusReason: r.statusReason,
                       createdAt: Date(epochMillis: r.createdAt), updatedAt: Date(epochMillis: r.updatedAt))
    }
}
