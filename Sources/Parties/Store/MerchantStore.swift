import Foundation
import Kernel
import SQLKit

/// SQL for `merchants`. Every read takes the caller's tenant scope.
struct MerchantStore: Sendable {
    struct Row: Codable {
        let id: String
        let name: String
        let legalName: String?
        let country: String
        let contactEmail: String
        let settlementCurrency: String
        let status: String
        let kycStatus: String?
        let licenceExpiresOn: String?
        let exitReason: String?
        let noticeStartedAt: Int64?
        let noticeEndsAt: Int64?
        let statusBeforeExit: String?
        let closedAt: Int64?
        let createdAt: Int64
        let updatedAt: Int64
    }

    static let columns = ["id", "name", "legal_name", "country", "contact_email", "settlement_currency", "status", "kyc_status",
                          "licence_expires_on", "exit_reason", "notice_started_at", "notice_ends_at",
                          "status_before_exit", "closed_at", "created_at", "updated_at"]

    func insert(_ m: Merchant, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "merchants").columns(Self.columns).values(Self.binds(m)).run()
    }

    func update(_ m: Merchant, in sql: any SQLDatabase) async throws {
        let b = Self.binds(m)
        let q = sql.update("merchants")
        for (i, c) in Self.columns.enumerated() where c != "id" && c != "created_at" {
            q.set(SQLIdentifier(c), to: b[i])
        }
        try await q.where("id", .equal, m.id.rawValue).run()
    }

    func find(_ id: MerchantID, scope: TenantScope, in sql: any SQLDatabase) async throws -> Merchant? {
        guard scope.allows(id) else { return nil }
        return try await sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("merchants")
            .where("id", .equal, id.rawValue).first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            .map(Self.model)
    }

    /// Swift-style names the API also accepts for a sort.
    static let sortAliases = ["kycStatus": "kyc_status", "createdAt": "created_at", "licence": "licence_expires_on"]

    struct Filter: Sendable {
        var status: MerchantStatus?
        var kycStatus: KYCStatus?
        var query: String?
        init(status: MerchantStatus? = nil, kycStatus: KYCStatus? = nil, query: String? = nil) {
            self.status = status; self.kycStatus = kycStatus; self.query = query
        }
    }

    /// Sorts the merchant list offers (issue 12 item 6); `id` is the API's default order.
    static let sortKeys: [SortKey] = [
        SortKey("id", "id", .text), SortKey("name", "lower(name)", .text), SortKey("country", "country", .text),
        SortKey("status", "status", .text), SortKey("kyc_status", "coalesce(kyc_status, '')", .text),
        SortKey("created_at", "created_at", .integer), SortKey("licence_expires_on", "coalesce(licence_expires_on, '')", .text),
    ]

    /// One page filtered, searched and sorted in SQL with keyset paging over (sort value, id), and the total.
    func list(scope: TenantScope, filter: Filter, request: ListRequest, in sql: any SQLDatabase) async throws -> Page<Merchant> {
        let keyset = try Keyset(request, keys: Self.sortKeys, default: "id")
        func filtered(_ q: SQLSelectBuilder) -> SQLSelectBuilder {
            q.from("merchants")
            if let id = scope.merchantId { q.where("id", .equal, id.rawValue) }
            if let s = filter.status { q.where("status", .equal, s.rawValue) }
            if let k = filter.kycStatus { q.where("kyc_status", .equal, k.rawValue) }
            if let text = filter.query.flatMap({ ListRequest(search: $0).searchText }) {
                q.where { $0.where(Keyset.search(text, in: ["name", "legal_name"])).orWhere("id", .equal, text) }
            }
            return q
        }
        let total = try await Keyset.count(filtered(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")))
        let q = filtered(sql.select().columns(Self.columns.map { SQLIdentifier($0) }))
        var page = try await keyset.page(q, request: request, decoding: Row.self, id: \.id, map: Self.model)
        page.total = total
        return page
    }

    func count(scope: TenantScope, status: MerchantStatus?, in sql: any SQLDatabase) async throws -> Int {
        let q = sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("merchants")
        if let id = scope.merchantId { q.where("id", .equal, id.rawValue) }
        if let status { q.where("status", .equal, status.rawValue) }
        return Int(try await q.first()?.decode(column: "n", as: Int64.self) ?? 0)
    }

    static func binds(_ m: Merchant) -> [any Encodable & Sendable] {
        [m.id.rawValue, m.name, m.legalName, m.country, m.contactEmail, m.settlementCurrency, m.status.rawValue, m.kycStatus?.rawValue,
         m.licenceExpiresOn?.description, m.exitReason, m.noticeStartedAt?.epochMillis, m.noticeEndsAt?.epochMillis,
         m.statusBeforeExit?.rawValue, m.closedAt?.epochMillis, m.createdAt.epochMillis, m.updatedAt.epochMillis]
    }

    static func model(_ r: Row) -> Merchant {
        Merchant(id: MerchantID(unchecked: r.id), name: r.name, legalName: r.legalName, country: r.country,
                 contactEmail: r.contactEmail, settlementCurrency: r.settlementCurrency, status: MerchantStatus(rawValue: r.status) ?? .onboarding,
                 kycStatus: r.kycStatus.flatMap(KYCStatus.init(rawValue:)),
                 licenceExpiresOn: r.licenceExpiresOn.flatMap { try? LocalDate(parsing: $0) },
                 exitReason: r.exitReason, noticeStartedAt: r.noticeStartedAt.map(Date.init(epochMillis:)),
                 noticeEndsAt: r.noticeEndsAt.map(Date.init(epochMillis:)),
                 statusBeforeExit: r.statusBeforeExit.flatMap(MerchantStatus.init(rawValue:)),
                 closedAt: r.closedAt.map(Date.init(epochMillis:)),
                 createdAt: Date(epochMillis: r.createdAt), updatedAt: Date(epochMillis: r.updatedAt))
    }
}
