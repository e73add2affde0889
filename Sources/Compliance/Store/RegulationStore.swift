import Foundation
import Kernel
import SQLKit

/// SQL for regulations and country risk levels.
struct RegulationStore: Sendable {
    struct Row: Codable {
        let id: String
        let country: String
        let market: String
        let title: String
        let authority: String
        let url: String
        let changedOn: String
        let summary: String
        let ruleIds: String
        let dueOn: String
        let catalogueUpdatedOn: String?
        let changeId: String?
        let lagWorkingDays: Int64?
        let recordedBy: String
        let recordedAt: Int64
    }

    struct RiskRow: Codable {
        let country: String
        let nameEn: String
        let nameZh: String
        let level: String
        let assessedOn: String
        let basis: String
        let measuresEn: String
        let measuresZh: String
        let updatedBy: String
        let updatedAt: Int64
    }

    func insert(_ r: Regulation, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "regulations")
            .columns("id", "country", "market", "title", "authority", "url", "changed_on", "summary", "rule_ids", "due_on",
                     "catalogue_updated_on", "change_id", "lag_working_days", "recorded_by", "recorded_at")
            .values([r.id, r.country, r.market.rawValue, r.title, r.authority, r.url, r.changedOn.description, r.summary,
                     r.ruleIds.joined(separator: "|"), r.dueOn.description, r.catalogueUpdatedOn?.description, r.changeId,
                     r.lagWorkingDays.map(Int64.init), r.recordedBy, r.recordedAt.epochMillis] as [any Encodable & Sendable]).run()
    }

    func update(_ r: Regulation, in sql: any SQLDatabase) async throws {
        try await sql.update("regulations").set("catalogue_updated_on", to: r.catalogueUpdatedOn?.description).set("change_id", to: r.changeId)
            .set("lag_working_days", to: r.lagWorkingDays.map(Int64.init)).where("id", .equal, r.id).run()
    }

    func find(_ id: String, in sql: any SQLDatabase) async throws -> Regulation? {
        try await sql.select().column("*").from("regulations").where("id", .equal, id)
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func count(in sql: any SQLDatabase) async throws -> Int {
        struct R: Decodable { let n: Int64 }
        return Int(try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("regulations").first(decoding: R.self)?.n ?? 0)
    }

    /// Most recent change first (changed_on descending, then id), one page after `after` (changed_on, id).
    func list(market: Market?, country: String?, limit: Int = 2000, after: (String, String)? = nil, in sql: any SQLDatabase) async throws -> [Regulation] {
        let q = sql.select().column("*").from("regulations")
        if let market { q.where("market", .equal, market.rawValue) }
        if let country { q.where("country", .equal, country) }
        if let (day, id) = after {
            q.where { $0.where("changed_on", .lessThan, day).orWhere { $0.where("changed_on", .equal, day).where("id", .greaterThan, id) } }
        }
        return try await q.orderBy("changed_on", .descending).orderBy("id").limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func insertRisk(_ r: CountryRisk, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "country_risks")
            .columns("country", "name_en", "name_zh", "level", "assessed_on", "basis", "measures_en", "measures_zh", "updated_by", "updated_at")
            .values([r.country, r.nameEn, r.nameZh, r.level.rawValue, r.assessedOn.description, r.basis, r.measuresEn, r.measuresZh,
                     r.updatedBy, r.updatedAt.epochMillis] as [any Encodable & Sendable]).run()
    }

    func updateRisk(_ r: CountryRisk, in sql: any SQLDatabase) async throws {
        try await sql.update("country_risks").set("level", to: r.level.rawValue).set("assessed_on", to: r.assessedOn.description)
            .set("basis", to: r.basis).set("measures_en", to: r.measuresEn).set("measures_zh", to: r.measuresZh)
            .set("updated_by", to: r.updatedBy).set("updated_at", to: r.updatedAt.epochMillis).where("country", .equal, r.country).run()
    }

    func risk(_ country: String, in sql: any SQLDatabase) async throws -> CountryRisk? {
        try await sql.select().column("*").from("country_risks").where("country", .equal, country)
            .first(decoding: RiskRow.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func risks(limit: Int = 10_000, after: String? = nil, in sql: any SQLDatabase) async throws -> [CountryRisk] {
        let q = sql.select().column("*").from("country_risks")
        if let after { q.where("country", .greaterThan, after) }
        return try await q.orderBy("country").limit(limit)
            .all(decoding: RiskRow.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    static func model(_ r: Row) throws -> Regulation {
        Regulation(id: r.id, country: r.country, market: Market(rawValue: r.market) ?? .global, title: r.title, authority: r.authority,
                   url: r.url, changedOn: try LocalDate(parsing: r.changedOn), summary: r.summary,
                   ruleIds: r.ruleIds.split(separator: "|").map(String.init), dueOn: try LocalDate(parsing: r.dueOn),
                   catalogueUpdatedOn: try r.catalogueUpdatedOn.map { try LocalDate(parsing: $0) }, changeId: r.changeId,
                   lagWorkingDays: r.lagWorkingDays.map(Int.init), recordedBy: r.recordedBy, recordedAt: Date(epochMillis: r.recordedAt))
    }

    static func model(_ r: RiskRow) throws -> CountryRisk {
        CountryRisk(country: r.country, nameEn: r.nameEn, nameZh: r.nameZh, level: CountryRisk.Level(rawValue: r.level) ?? .elevated,
                    assessedOn: try LocalDate(parsing: r.assessedOn), basis: r.basis, measuresEn: r.measuresEn, measuresZh: r.measuresZh,
                    updatedBy: r.updatedBy, updatedAt: Date(epochMillis: r.updatedAt))
    }
}
