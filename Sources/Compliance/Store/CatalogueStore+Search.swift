import Foundation
import Kernel
import SQLKit

/// The console's list of catalogue changes (issue 12 item 6): filter, text search, sort and keyset paging in SQL.
extension CatalogueStore {
    static let changeSortKeys: [SortKey] = [
        SortKey("proposed", "proposed_at", .integer),
        SortKey("status", "status", .text),
        SortKey("summary", "lower(summary)", .text),
    ]

    func searchChanges(status: CatalogueChange.Status?, request: ListRequest, in sql: any SQLDatabase) async throws -> Page<CatalogueChange> {
        let keyset = try Keyset(request, keys: Self.changeSortKeys, default: "proposed", defaultDescending: true)
        func filtered(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            q.from("catalogue_changes")
            if let status { q.where("status", .equal, status.rawValue) }
            if let text = request.searchText { q.where(Keyset.search(text, in: ["id", "summary", "ops", "regulation_ids"])) }
            return q
        }
        let total = try await Keyset.count(filtered(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")))
        var page = try await keyset.page(filtered(sql.select().column("*")), request: request, decoding: ChangeRow.self, id: \.id, map: Self.model)
        page.total = total
        return page
    }
}

extension CatalogueService {
    /// The sorts the change list offers (`?sort=`).
    public static var changeSorts: [String] { CatalogueStore.changeSortKeys.map(\.name) }

    /// One page of catalogue changes, filtered, searched (summary, rule ids in the operations) and sorted in SQL.
    public func searchChanges(status: CatalogueChange.Status?, _ request: ListRequest, by p: Principal) async throws -> Page<CatalogueChange> {
        try p.require(.catalogueRead)
        return try await db.read { [store] in try await store.searchChanges(status: status, request: request, in: $0) }
    }
}
