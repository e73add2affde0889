import Foundation
import Kernel
import SQLKit

/// The console's penalty list (issue 12 item 6): filters, text search, sort and keyset paging in SQL.
extension PenaltyStore {
    static let sortKeys: [SortKey] = [
        SortKey("issued", "issued_at", .integer),
        SortKey("merchant", "merchant_id", .text),
        SortKey("violation", "violation", .text),
        // What counts towards the year's total: a revoked penalty counts nothing.
        SortKey("points", "CAST(CASE WHEN status = 'revoked' THEN 0 ELSE points END AS BIGINT)", .integer),
        SortKey("status", "status", .text),
    ]

    func search(merchantId: MerchantID?, filter: PenaltySearch, request: ListRequest, in sql: any SQLDatabase) async throws -> Page<Penalty> {
        let keyset = try Keyset(request, keys: Self.sortKeys, default: "issued", defaultDescending: true)
        func filtered(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            q.from("penalties")
            if let merchantId { q.where("merchant_id", .equal, merchantId.rawValue) }
            if let year = filter.year { q.where("year", .equal, Int64(year)) }
            if let s = filter.status { q.where("status", .equal, s.rawValue) }
            if let v = filter.violation { q.where("violation", .equal, v.rawValue) }
            if let text = request.searchText { q.where(Keyset.search(text, in: ["id", "merchant_id", "reason", "listing_id", "case_id"])) }
            return q
        }
        let total = try await Keyset.count(filtered(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")))
        var page = try await keyset.page(filtered(sql.select().column("*")), request: request, decoding: Row.self, id: \.id, map: Self.model)
        page.total = total
        return page
    }
}

/// Filters of the penalty list besides the text search.
public struct PenaltySearch: Sendable {
    public var merchantId: MerchantID?
    public var year: Int?
    public var status: Penalty.Status?
    public var violation: Violation?

    public init(merchantId: MerchantID? = nil, year: Int? = nil, status: Penalty.Status? = nil, violation: Violation? = nil) {
        self.merchantId = merchantId; self.year = year; self.status = status; self.violation = violation
    }

    /// The sorts the list offers (`?sort=`).
    public static var sorts: [String] { PenaltyStore.sortKeys.map(\.name) }
}

extension PenaltyService {
    /// One page of penalties, filtered, searched and sorted in SQL, with the total; a merchant sees its own only.
    public func search(_ filter: PenaltySearch, _ request: ListRequest, by p: Principal) async throws -> Page<Penalty> {
        let merchant = p.scope.merchantId ?? filter.merchantId
        return try await db.read { [store] in try await store.search(merchantId: merchant, filter: filter, request: request, in: $0) }
    }
}
