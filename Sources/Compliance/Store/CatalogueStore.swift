import Foundation
import Kernel
import SQLKit

/// SQL for catalogue snapshots and the proposals that produce them.
struct CatalogueStore: Sendable {
    struct VersionRow: Codable {
        let version: Int64
        let hash: String
        let entries: String
        let allowPhrases: String
        let changeId: String?
        let summary: String
        let createdBy: String
        let createdAt: Int64
    }

    struct ChangeRow: Codable {
        let id: String
        let status: String
        let summary: String
        let ops: String
        let regulationIds: String
        let proposedBy: String
        let proposedAt: Int64
        let decidedBy: String?
        let decidedAt: Int64?
        let decisionReason: String?
        let resultVersion: Int64?
    }

    static let encoder: JSONEncoder = { let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; return e }()

    func latest(in sql: any SQLDatabase) async throws -> VersionRow? {
        try await sql.select().column("*").from("catalogue_versions").orderBy("version", .descending).limit(1)
            .first(decoding: VersionRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    func latestNumber(in sql: any SQLDatabase) async throws -> Int {
        struct R: Decodable { let v: Int64? }
        let r = try await sql.select().column(SQLFunction("MAX", args: SQLIdentifier("version")), as: "v").from("catalogue_versions")
            .first(decoding: R.self)
        return Int(r?.v ?? 0)
    }

    func insertVersion(_ number: Int, catalogue: Catalogue, changeId: String?, summary: String, by actor: String, at: Date,
                       in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "catalogue_versions")
            .columns("version", "hash", "entries", "allow_phrases", "change_id", "summary", "created_by", "created_at")
            .values([Int64(number), catalogue.version, String(decoding: try Self.encoder.encode(catalogue.entries), as: UTF8.self),
                     String(decoding: try Self.encoder.encode(catalogue.allowPhrases), as: UTF8.self), changeId, summary, actor,
                     at.epochMillis] as [any Encodable & Sendable]).run()
    }

    /// Version history without the (large) snapshot bodies.
    func versions(limit: Int, before: Int? = nil, in sql: any SQLDatabase) async throws -> [(Int, String, String?, String, String, Date)] {
        struct R: Decodable { let version: Int64; let hash: String; let changeId: String?; let summary: String; let createdBy: String; let createdAt: Int64 }
        let q = sql.select().columns("version", "hash", "change_id", "summary", "created_by", "created_at").from("catalogue_versions")
        if let before { q.where("version", .lessThan, Int64(before)) }
        return try await q.orderBy("version", .descending).limit(limit).all(decoding: R.self, keyDecodingStrategy: .convertFromSnakeCase)
            .map { (Int($0.version), $0.hash, $0.changeId, $0.summary, $0.createdBy, Date(epochMillis: $0.createdAt)) }
    }

    func insertChange(_ c: CatalogueChange, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "catalogue_changes")
            .columns("id", "status", "summary", "ops", "regulation_ids", "proposed_by", "proposed_at")
            .values([c.id.rawValue, c.status.rawValue, c.summary, String(decoding: try Self.encoder.encode(c.ops), as: UTF8.self),
                     c.regulationIds.joined(separator: ","), c.proposedBy, c.proposedAt.epochMillis] as [any Encodable & Sendable]).run()
    }

    func decide(_ c: CatalogueChange, in sql: any SQLDatabase) async throws {
        try await sql.update("catalogue_changes").set("status", to: c.status.rawValue).set("decided_by", to: c.decidedBy)
            .set("decided_at", to: c.decidedAt?.epochMillis).set("decision_reason", to: c.decisionReason)
            .set("result_version", to: c.resultVersion.map(Int64.init))
            .where("id", .equal, c.id.rawValue).run()
    }

    func change(_ id: String, in sql: any SQLDatabase) async throws -> CatalogueChange? {
        try await sql.select().column("*").from("catalogue_changes").where("id", .equal, id)
            .first(decoding: ChangeRow.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func changes(status: CatalogueChange.Status?, limit: Int, after: TimeIDCursor? = nil, in sql: any SQLDatabase) async throws -> [CatalogueChange] {
        let q = sql.select().column("*").from("catalogue_changes")
        if let status { q.where("status", .equal, status.rawValue) }
        if let after {
            q.where { $0.where("proposed_at", .lessThan, after.time).orWhere { $0.where("proposed_at", .equal, after.time).where("id", .lessThan, after.id) } }
        }
        return try await q.orderBy("proposed_at", .descending).orderBy("id", .descending).limit(limit)
            .all(decoding: ChangeRow.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    static func model(_ r: ChangeRow) throws -> CatalogueChange {
        CatalogueChange(id: CatalogueChangeID(unchecked: r.id), status: CatalogueChange.Status(rawValue: r.status) ?? .pending,
                        summary: r.summary, ops: try JSONDecoder().decode([CatalogueOp].self, from: Data(r.ops.utf8)),
                        regulationIds: r.regulationIds.split(separator: ",").map(String.init), proposedBy: r.proposedBy,
                        proposedAt: Date(epochMillis: r.proposedAt), decidedBy: r.decidedBy, decidedAt: r.decidedAt.map(Date.init(epochMillis:)),
                        decisionReason: r.decisionReason, resultVersion: r.resultVersion.map(Int.init))
    }

    static func catalogue(_ r: VersionRow) throws -> Catalogue {
        let d = JSONDecoder()
        return Catalogue(entries: try d.decode([CatalogueEntry].self, from: Data(r.entries.utf8)),
                         allowPhrases: try d.decode([AllowPhrase].self, from: Data(r.allowPhrases.utf8)))
    }
}
