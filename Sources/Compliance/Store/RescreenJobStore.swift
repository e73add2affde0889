import Foundation
import Kernel
import SQLKit

struct RescreenJobStore: Sendable {
    struct Row: Codable {
        let id: String
        let market: String
        let catalogueVersion: String
        let reason: String
        let status: String
        let total: Int64
        let processed: Int64
        let changed: Int64
        let casesOpened: Int64
        let cursor: String
        let error: String?
        let createdAt: Int64
        let startedAt: Int64?
        let heartbeatAt: Int64?
        let finishedAt: Int64?
    }

    func insert(_ j: RescreenJob, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "rescreen_jobs")
            .columns("id", "market", "catalogue_version", "reason", "status", "total", "processed", "changed", "cases_opened", "cursor", "created_at")
            .values([j.id.rawValue, j.market.rawValue, j.catalogueVersion, j.reason, j.status.rawValue, Int64(j.total), Int64(j.processed),
                     Int64(j.changed), Int64(j.casesOpened), j.cursor, j.createdAt.epochMillis] as [any Encodable & Sendable]).run()
    }

    func update(_ j: RescreenJob, in sql: any SQLDatabase) async throws {
        try await sql.update("rescreen_jobs").set("status", to: j.status.rawValue).set("total", to: Int64(j.total))
            .set("processed", to: Int64(j.processed)).set("changed", to: Int64(j.changed)).set("cases_opened", to: Int64(j.casesOpened))
            .set("cursor", to: j.cursor).set("error", to: j.error).set("started_at", to: j.startedAt?.epochMillis)
            .set("heartbeat_at", to: j.heartbeatAt?.epochMillis).set("finished_at", to: j.finishedAt?.epochMillis)
            .where("id", .equal, j.id.rawValue).run()
    }

    /// A queued or running job for this market and catalogue: several instances noticing the same change queue it once.
    func pending(market: Market, catalogueVersion: String, in sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("id").from("rescreen_jobs").where("market", .equal, market.rawValue)
            .where("catalogue_version", .equal, catalogueVersion)
            .where("status", .in, [RescreenJob.Status.queued.rawValue, RescreenJob.Status.running.rawValue]).first() != nil
    }

    func find(_ id: String, in sql: any SQLDatabase) async throws -> RescreenJob? {
        try await sql.select().column("*").from("rescreen_jobs").where("id", .equal, id)
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func recent(limit: Int, after: TimeIDCursor? = nil, in sql: any SQLDatabase) async throws -> [RescreenJob] {
        let q = sql.select().column("*").from("rescreen_jobs")
        if let after {
            q.where { $0.where("created_at", .lessThan, after.time).orWhere { $0.where("created_at", .equal, after.time).where("id", .lessThan, after.id) } }
        }
        return try await q.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    static func model(_ r: Row) throws -> RescreenJob {
        RescreenJob(id: RescreenJobID(unchecked: r.id), market: Market(rawValue: r.market) ?? .global, catalogueVersion: r.catalogueVersion,
                    reason: r.reason, status: RescreenJob.Status(rawValue: r.status) ?? .failed, total: Int(r.total), processed: Int(r.processed),
                    changed: Int(r.changed), casesOpened: Int(r.casesOpened), cursor: r.cursor, error: r.error,
                    createdAt: Date(epochMillis: r.createdAt), startedAt: r.startedAt.map(Date.init(epochMillis:)),
                    heartbeatAt: r.heartbeatAt.map(Date.init(epochMillis:)), finishedAt: r.finishedAt.map(Date.init(epochMillis:)))
    }
}
