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

    // MARK: rule history (issue 12 item 7)

    /// What a version did to each rule it touched.
    func insertHistory(version: Int, diff: CatalogueDiff, changeId: String?, by actor: String, at: Date, in sql: any SQLDatabase) async throws {
        let rows: [(String, CatalogueEntry)] = diff.added.map { ("added", $0) } + diff.changed.map { ("changed", $0.new) }
            + diff.retired.map { ("retired", $0) }
        for chunk in stride(from: 0, to: rows.count, by: 100) {
            // Two instances backfilling at once write the same rows: the second's are ignored.
            let insert = sql.insert(into: "catalogue_rule_history").ignoringConflicts(with: ["rule_id", "version"])
                .columns("rule_id", "version", "action", "change_id", "entry", "created_by", "created_at")
            for (action, e) in rows[chunk..<min(chunk + 100, rows.count)] {
                insert.values([e.id, Int64(version), action, changeId, String(decoding: try Self.encoder.encode(e), as: UTF8.self), actor,
                               at.epochMillis] as [any Encodable & Sendable])
            }
            try await insert.run()
        }
    }

    func historyIsEmpty(in sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("rule_id").from("catalogue_rule_history").limit(1).first() == nil
    }

    struct HistoryRow: Decodable {
        let version: Int64
        let action: String
        let changeId: String?
        let entry: String
        let createdBy: String
        let createdAt: Int64
    }

    /// A rule's versions, newest first (bounded: a rule is edited a handful of times).
    func history(ruleId: String, limit: Int, in sql: any SQLDatabase) async throws -> [HistoryRow] {
        try await sql.select().columns("version", "action", "change_id", "entry", "created_by", "created_at").from("catalogue_rule_history")
            .where("rule_id", .equal, ruleId).orderBy("version", .descending).limit(limit)
            .all(decoding: HistoryRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    func version(_ number: Int, in sql: any SQLDatabase) async throws -> VersionRow? {
        try await sql.select().column("*").from("catalogue_versions").where("version", .equal, Int64(number))
            .first(decoding: VersionRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Ids of the rules the pending changes touch (few changes wait at a time; bounded anyway).
    func pendingRuleIds(in sql: any SQLDatabase) async throws -> (Set<String>, [String: CatalogueChangeID]) {
        let pending = try await changes(status: .pending, limit: 500, in: sql)
        var ids = Set<String>()
        var byRule: [String: CatalogueChangeID] = [:]
        for c in pending { for op in c.ops { ids.insert(op.ruleId); if byRule[op.ruleId] == nil { byRule[op.ruleId] = c.id } } }
        return (ids, byRule)
    }
}
