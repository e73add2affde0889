import Foundation
import Kernel
import SQLKit

/// The console's KYC queue (issue 12 item 6): filters, text search, sort and keyset paging in SQL.
extension KYCStore {
    static let sortKeys: [SortKey] = [
        SortKey("submitted", "k.submitted_at", .integer),
        SortKey("merchant", "lower(coalesce(m.name, k.merchant_id))", .text),
        SortKey("status", "k.status", .text),
        SortKey("licence", "k.licence_expires_on", .text),
        SortKey("company", "lower(k.company_name)", .text),
    ]

    func search(scope: TenantScope, filter: KYCSearch, request: ListRequest, in sql: any SQLDatabase) async throws -> Page<KYCSubmission> {
        let keyset = try Keyset(request, keys: Self.sortKeys, default: "submitted", idColumn: "k.id")
        func filtered(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            q.from(SQLAlias(SQLIdentifier("kyc_submissions"), as: SQLIdentifier("k")))
                .join(SQLAlias(SQLIdentifier("merchants"), as: SQLIdentifier("m")), method: SQLJoinMethod.left,
                      on: SQLColumn("merchant_id", table: "k"), .equal, SQLColumn("id", table: "m"))
            if let m = scope.merchantId { q.where(SQLColumn("merchant_id", table: "k"), .equal, SQLBind(m.rawValue)) }
            if let s = filter.status {
                q.where(SQLColumn("status", table: "k"), .equal, SQLBind(s.rawValue))
            } else if let since = filter.openOrDecidedSince {
                // The default queue: what is open, and what was decided lately (for the reviewer's context).
                let open = KYCStatus.allCases.filter(\.isOpen).map(\.rawValue)
                q.where { $0.where(SQLColumn("status", table: "k"), .in, SQLBind.group(open))
                    .orWhere(SQLColumn("decided_at", table: "k"), .greaterThanOrEqual, SQLBind(since.epochMillis)) }
            }
            if !filter.ids.isEmpty { q.where(SQLColumn("id", table: "k"), .in, SQLBind.group(filter.ids)) }
            if let text = request.searchText {
                q.where(Keyset.search(text, in: ["k.id", "k.company_name", "k.merchant_id", "m.name", "k.legal_representative"]))
            }
            return q
        }
        let total = try await Keyset.count(filtered(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")))
        let q = filtered(sql.select().columns(Self.columns.map { SQLColumn($0, table: "k") }))
        let page = try await keyset.page(q, request: request, decoding: Row.self, id: \.id, map: model)
        var items: [KYCSubmission] = []
        for var s in page.items {
            s.documents = try await documents(submissionId: s.id.rawValue, in: sql)
            items.append(s)
        }
        return Page(items: items, next: page.next, total: total)
    }
}

/// Filters of the KYC queue besides the text search.
public struct KYCSearch: Sendable {
    public var status: KYCStatus?
    /// Without a status: open submissions and those decided since then.
    public var openOrDecidedSince: Date?
    /// Only these submissions (a bulk action's selection), ≤ 200.
    public var ids: [String]

    public init(status: KYCStatus? = nil, openOrDecidedSince: Date? = nil, ids: [String] = []) {
        self.status = status; self.openOrDecidedSince = openOrDecidedSince; self.ids = Array(ids.prefix(200))
    }
}

extension KYCSearch {
    /// The sorts the queue offers (`?sort=`).
    public static var sorts: [String] { KYCStore.sortKeys.map(\.name) }
}

extension KYCService {
    /// One page of the KYC queue, filtered, searched and sorted in SQL, with the total.
    public func search(_ filter: KYCSearch, _ request: ListRequest, by p: Principal) async throws -> Page<KYCSubmission> {
        try p.require(.kycRead)
        return try await ctx.db.read { [store] in try await store.search(scope: p.scope, filter: filter, request: request, in: $0) }
    }
}
