import Foundation
import Kernel
import SQLKit

/// The console's listing queue (issue 12 item 6): filters, text search, sort and keyset paging in SQL.
extension ListingStore {
    static let sortKeys: [SortKey] = [
        SortKey("updated", "updated_at", .integer),
        SortKey("title", "lower(title)", .text),
        SortKey("status", "status", .text),
        SortKey("merchant", "merchant_id", .text),
    ]

    func search(scope: TenantScope, filter f: ListingFilter, request: ListRequest, in sql: any SQLDatabase) async throws -> Page<Listing> {
        let keyset = try Keyset(request, keys: Self.sortKeys, default: "updated")
        func filtered(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            q.from("listings")
            if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
            if let status = f.status { q.where("status", .equal, status.rawValue) }
            if let merchantId = f.merchantId { q.where("merchant_id", .equal, merchantId.rawValue) }
            if let market = f.market { q.where(marketFilter(market)) }
            if let verdict = f.verdict { q.where("verdict", .equal, verdict.rawValue) }
            if let day = f.screenedDay {
                q.where("screened_at", .greaterThanOrEqual, ChinaDay.start(day).epochMillis)
                    .where("screened_at", .lessThan, ChinaDay.start(day + 1).epochMillis)
            }
            if let text = request.searchText { q.where(Keyset.search(text, in: ["id", "title", "merchant_id"])) }
            return q
        }
        let total = try await Keyset.count(filtered(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")))
        let q = filtered(sql.select().columns(Self.columns.map { SQLIdentifier($0) }))
        var page = try await keyset.page(q, request: request, decoding: Row.self, id: \.id, map: Self.model)
        page.total = total
        return page
    }
}

extension ListingService {
    /// The sorts the listing queue offers (`?sort=`); oldest change first by default (the queue's order of work).
    public static var sorts: [String] { ListingStore.sortKeys.map(\.name) }

    /// One page of listings, filtered, searched and sorted in SQL, with the total; a merchant sees its own only.
    public func search(status: ListingStatus?, _ request: ListRequest, by p: Principal) async throws -> Page<Listing> {
        try await search(ListingFilter(status: status), request, by: p)
    }

    /// As above with every filter the dashboard links with (merchant, verdict, day of the latest screening).
    public func search(_ filter: ListingFilter, _ request: ListRequest, by p: Principal) async throws -> Page<Listing> {
        try await db.read { [store] in try await store.search(scope: p.scope, filter: filter, request: request, in: $0) }
    }
}
