import Foundation
import Kernel
import SQLKit

/// SQL for penalties, the penalty policy and the derived per-merchant standing that Payments reads.
struct PenaltyStore: Sendable {
    struct Row: Codable {
        let id: String
        let merchantId: String
        let year: Int64
        let violation: String
        let points: Int64
        let listingId: String?
        let caseId: String?
        let reason: String
        let status: String
        let issuedBy: String
        let issuedAt: Int64
        let appealReason: String?
        let appealedAt: Int64?
        let appealOutcome: String?
        let appealNote: String?
        let appealDecidedBy: String?
        let appealDecidedAt: Int64?
        let appealedBy: String?
    }

    func insert(_ p: Penalty, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "penalties")
            .columns("id", "merchant_id", "year", "violation", "points", "listing_id", "case_id", "reason", "status", "issued_by", "issued_at")
            .values([p.id.rawValue, p.merchantId.rawValue, Int64(p.year), p.violation.rawValue, Int64(p.points), p.listingId?.rawValue, p.caseId, p.reason,
                     p.status.rawValue, p.issuedBy, p.issuedAt.epochMillis] as [any Encodable & Sendable]).run()
    }

    func update(_ p: Penalty, in sql: any SQLDatabase) async throws {
        try await sql.update("penalties").set("points", to: Int64(p.points)).set("status", to: p.status.rawValue)
            .set("appeal_reason", to: p.appealReason).set("appealed_at", to: p.appealedAt?.epochMillis)
            .set("appeal_outcome", to: p.appealOutcome?.rawValue).set("appeal_note", to: p.appealNote)
            .set("appeal_decided_by", to: p.appealDecidedBy).set("appeal_decided_at", to: p.appealDecidedAt?.epochMillis)
            .set("appealed_by", to: p.appealedBy)
            .where("id", .equal, p.id.rawValue).run()
    }

    func find(_ id: String, scope: TenantScope, in sql: any SQLDatabase) async throws -> Penalty? {
        let q = sql.select().column("*").from("penalties").where("id", .equal, id)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        return try await q.first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    /// Newest first (issued time, id), one page after `after`.
    func list(merchantId: MerchantID?, year: Int?, status: Penalty.Status?, limit: Int, after: TimeIDCursor? = nil,
              in sql: any SQLDatabase) async throws -> [Penalty] {
        let q = sql.select().column("*").from("penalties")
        if let merchantId { q.where("merchant_id", .equal, merchantId.rawValue) }
        if let year { q.where("year", .equal, Int64(year)) }
        if let status { q.where("status", .equal, status.rawValue) }
        if let after {
            q.where { $0.where("issued_at", .lessThan, after.time).orWhere { $0.where("issued_at", .equal, after.time).where("id", .lessThan, after.id) } }
        }
        return try await q.orderBy("issued_at", .descending).orderBy("id", .descending).limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func policy(in sql: any SQLDatabase) async throws -> PenaltyPolicy {
        struct R: Decodable { let policy: String }
        guard let r = try await sql.select().column("policy").from("penalty_policy").where("id", .equal, "current").first(decoding: R.self) else {
            return .standard
        }
        return try JSONDecoder().decode(PenaltyPolicy.self, from: Data(r.policy.utf8))
    }

    func savePolicy(_ p: PenaltyPolicy, by actor: String, at: Date, in sql: any SQLDatabase) async throws {
        let json = String(decoding: try ListingStore.encoder.encode(p), as: UTF8.self)
        try await sql.delete(from: "penalty_policy").where("id", .equal, "current").run()
        try await sql.insert(into: "penalty_policy").columns("id", "policy", "updated_by", "updated_at")
            .values(["current", json, actor, at.epochMillis] as [any Encodable & Sendable]).run()
    }

    func saveStanding(_ s: Standing, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "merchant_standing").where("merchant_id", .equal, s.merchantId.rawValue).run()
        try await sql.insert(into: "merchant_standing").columns("merchant_id", "year", "points", "sanctions", "updated_at")
            .values([s.merchantId.rawValue, Int64(s.year), Int64(s.points), s.sanctions.map(\.rawValue).joined(separator: ","), at.epochMillis]
                    as [any Encodable & Sendable]).run()
    }

    func merchantsWithStanding(in sql: any SQLDatabase) async throws -> [MerchantID] {
        struct R: Decodable { let merchantId: String }
        return try await sql.select().column("merchant_id").from("merchant_standing")
            .all(decoding: R.self, keyDecodingStrategy: .convertFromSnakeCase).map { MerchantID(unchecked: $0.merchantId) }
    }

    /// Sanctions recorded for a merchant (what Payments and search read without recomputing).
    func recordedSanctions(_ merchantId: MerchantID, in sql: any SQLDatabase) async throws -> (year: Int, sanctions: [Sanction])? {
        struct R: Decodable { let year: Int64; let sanctions: String }
        guard let r = try await sql.select().columns("year", "sanctions").from("merchant_standing").where("merchant_id", .equal, merchantId.rawValue)
            .first(decoding: R.self) else { return nil }
        return (Int(r.year), r.sanctions.split(separator: ",").compactMap { Sanction(rawValue: String($0)) })
    }

    static func model(_ r: Row) throws -> Penalty {
        Penalty(id: PenaltyID(unchecked: r.id), merchantId: MerchantID(unchecked: r.merchantId), year: Int(r.year), violation: Violation(rawValue: r.violation) ?? .other,
                points: Int(r.points), listingId: r.listingId.map(ListingID.init(unchecked:)), caseId: r.caseId, reason: r.reason,
                status: Penalty.Status(rawValue: r.status) ?? .active, issuedBy: r.issuedBy, issuedAt: Date(epochMillis: r.issuedAt),
                appealReason: r.appealReason, appealedAt: r.appealedAt.map(Date.init(epochMillis:)),
                appealOutcome: r.appealOutcome.flatMap(Penalty.AppealOutcome.init(rawValue:)), appealNote: r.appealNote,
                appealDecidedBy: r.appealDecidedBy, appealDecidedAt: r.appealDecidedAt.map(Date.init(epochMillis:)), appealedBy: r.appealedBy)
    }
}
