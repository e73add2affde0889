import Foundation
import Kernel
import SQLKit

/// The console's certificate list (issue 12 item 6): state on a day, filters, text search, sort and keyset paging in SQL.
extension CertificationStore {
    /// The display state on `today` as SQL: 0 expired, 1 expiring within 30 days, 2 valid, 3 revoked. The dates are
    /// ISO text made here (digits and dashes only), so they can stand in the expression.
    static func stateExpression(today: LocalDate) -> String {
        let soon = today.adding(days: 30)
        return "(CASE WHEN status = 'revoked' THEN '3' WHEN expires_on IS NOT NULL AND expires_on < '\(today)' THEN '0' "
            + "WHEN expires_on IS NOT NULL AND expires_on <= '\(soon)' THEN '1' ELSE '2' END)"
    }

    static let stateCodes = ["expired": "0", "expiring-soon": "1", "valid": "2", "revoked": "3"]

    static func sortKeys(today: LocalDate) -> [SortKey] {
        [
            SortKey("expires", "coalesce(expires_on, '9999-12-31')", .text),
            SortKey("type", "lower(type)", .text),
            SortKey("number", "lower(number)", .text),
            SortKey("issuer", "lower(issuer)", .text),
            SortKey("merchant", "merchant_id", .text),
            SortKey("state", stateExpression(today: today), .text),
        ]
    }

    func search(scope: TenantScope, filter: CertificationSearch, today: LocalDate, request: ListRequest,
                in sql: any SQLDatabase) async throws -> (Page<Certification>, [String: Int]) {
        let keyset = try Keyset(request, keys: Self.sortKeys(today: today), default: "expires")
        let state = Self.stateExpression(today: today)
        let stateSQL: SQLQueryString = "\(unsafeRaw: state)"
        func filtered(_ q: SQLSelectBuilder, withState: Bool = true) -> SQLSelectBuilder {
            q.from("certifications")
            if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
            if let m = filter.merchantId { q.where("merchant_id", .equal, m.rawValue) }
            if withState, let code = filter.state.flatMap({ Self.stateCodes[$0] }) {
                let cond: SQLQueryString = "\(unsafeRaw: state) = \(bind: code)"
                q.where(cond)
            }
            if let text = request.searchText { q.where(Keyset.search(text, in: ["id", "type", "number", "issuer", "merchant_id"])) }
            return q
        }
        // Rows per state (for the filter's counts), with every other filter applied.
        let grouped = try await filtered(sql.select().column(SQLAlias(stateSQL, as: SQLIdentifier("state")))
            .column(SQLFunction("count", args: SQLLiteral.all), as: "n"), withState: false)
            .groupBy(stateSQL).all()
        var counts: [String: Int] = [:]
        for row in grouped {
            let code = try row.decode(column: "state", as: String.self)
            if let name = Self.stateCodes.first(where: { $0.value == code })?.key { counts[name] = Int(try row.decode(column: "n", as: Int64.self)) }
        }
        let total = filter.state.map { counts[$0] ?? 0 } ?? counts.values.reduce(0, +)
        let q = filtered(sql.select().columns(Self.columns.map { SQLIdentifier($0) }))
        var page = try await keyset.page(q, request: request, decoding: Row.self, id: \.id, map: Self.model)
        page.total = total
        return (page, counts)
    }
}

/// Filters of the certificate list besides the text search.
public struct CertificationSearch: Sendable {
    public var merchantId: MerchantID?
    /// valid, expiring-soon, expired or revoked.
    public var state: String?

    public init(merchantId: MerchantID? = nil, state: String? = nil) {
        self.merchantId = merchantId
        self.state = state.flatMap { CertificationStore.stateCodes[$0] == nil ? nil : $0 }
    }

    public static let sorts = ["expires", "type", "number", "issuer", "merchant", "state"]
}

extension CertificationService {
    /// One page of certificates with the number in each state on `today`; a merchant sees its own only.
    public func search(_ filter: CertificationSearch, today: LocalDate, _ request: ListRequest, by p: Principal) async throws
        -> (page: Page<Certification>, counts: [String: Int]) {
        try await db.read { [store] in try await store.search(scope: p.scope, filter: filter, today: today, request: request, in: $0) }
    }
}
