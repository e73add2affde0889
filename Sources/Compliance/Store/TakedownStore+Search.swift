import Foundation
import Kernel
import SQLKit

/// The console's takedown list (issue 12 item 6): filters, text search, sort and keyset paging in SQL.
extension TakedownStore {
    /// Ways the list sorts: "due" puts open cases first, most urgent first, then decided ones, latest decision first.
    static let sortKeys: [SortKey] = [
        SortKey("due", "CASE WHEN c.status = 'open' THEN c.due_at ELSE 9000000000000000 - coalesce(c.resolved_at, c.due_at) END", .integer),
        SortKey("opened", "c.opened_at", .integer),
        SortKey("merchant", "c.merchant_id", .text),
        SortKey("listing", "lower(coalesce(l.title, c.listing_id))", .text),
        SortKey("trigger", "c.trigger", .text),
        SortKey("rules", "c.rule_ids", .text),
        SortKey("status", "(CASE WHEN c.status = 'open' THEN '0' ELSE '1' END || c.status)", .text),
    ]

    func search(scope: TenantScope, filter: TakedownSearch, request: ListRequest, in sql: any SQLDatabase) async throws -> Page<TakedownCase> {
        let keyset = try Keyset(request, keys: Self.sortKeys, default: "due", idColumn: "c.id")
        func filtered(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            q.from(SQLAlias(SQLIdentifier("takedown_cases"), as: SQLIdentifier("c")))
                .join(SQLAlias(SQLIdentifier("listings"), as: SQLIdentifier("l")), method: SQLJoinMethod.left,
                      on: SQLColumn("listing_id", table: "c"), .equal, SQLColumn("id", table: "l"))
            if let m = scope.merchantId { q.where(SQLColumn("merchant_id", table: "c"), .equal, SQLBind(m.rawValue)) }
            if let s = filter.status { q.where(SQLColumn("status", table: "c"), .equal, SQLBind(s.rawValue)) }
            if let t = filter.trigger { q.where(SQLColumn("trigger", table: "c"), .equal, SQLBind(t.rawValue)) }
            if !filter.ids.isEmpty { q.where(SQLColumn("id", table: "c"), .in, SQLBind.group(filter.ids)) }
            if let text = request.searchText {
                let matchText = Keyset.search(text, in: ["c.id", "c.listing_id", "c.merchant_id", "l.title", "c.rule_ids"])
                if filter.merchantIds.isEmpty {
                    q.where(matchText)
                } else {
                    q.where { $0.where(matchText).orWhere(SQLColumn("merchant_id", table: "c"), .in, SQLBind.group(filter.merchantIds)) }
                }
            }
            return q
        }
        let total = try await Keyset.count(filtered(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")))
        let q = filtered(sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("c"))))
        var page = try await keyset.page(q, request: request, decoding: Row.self, id: \.id, map: Self.model)
        page.total = total
        return page
    }
}

/// Filters of the takedown list besides the text search.
public struct TakedownSearch: Sendable {
    public var status: TakedownCase.Status?
    public var trigger: TakedownCase.Trigger?
    /// Merchants whose name matched the search text (names live with Parties; the caller resolves them), ≤ 50.
    public var merchantIds: [String]
    /// Only these cases (a bulk action's selection), ≤ 200.
    public var ids: [String]

    public init(status: TakedownCase.Status? = nil, trigger: TakedownCase.Trigger? = nil, merchantIds: [String] = [], ids: [String] = []) {
        self.status = status; self.trigger = trigger
        self.merchantIds = Array(merchantIds.prefix(50)); self.ids = Array(ids.prefix(200))
    }
}

extension TakedownSearch {
    /// The sorts the list offers (`?sort=`).
    public static var sorts: [String] { TakedownStore.sortKeys.map(\.name) }
}

extension TakedownService {
    /// One page of the takedown list: filtered, searched and sorted in SQL, with the total; a merchant sees its own only.
    public func search(_ filter: TakedownSearch, _ request: ListRequest, by p: Principal) async throws -> Page<TakedownCase> {
        try await db.read { [store] in try await store.search(scope: p.scope, filter: filter, request: request, in: $0) }
    }
}
