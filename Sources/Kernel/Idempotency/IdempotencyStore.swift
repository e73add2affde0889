import Foundation
import SQLKit

/// Stored outcomes of `Idempotency-Key` requests: the same key and body replays the first
/// response; the same key with another body is a conflict (DESIGN API conventions).
public struct IdempotencyStore: Sendable {
    public let db: Database
    public let clock: any WallClock
    /// A pending claim older than this is treated as abandoned (crashed instance) and may be retaken.
    public let staleAfter: TimeInterval

    public init(db: Database, clock: any WallClock, staleAfter: TimeInterval = 60) {
        self.db = db; self.clock = clock; self.staleAfter = staleAfter
    }

    public struct StoredResponse: Sendable, Equatable {
        public let status: Int
        public let contentType: String
        public let body: Data
        public let location: String?
        public init(status: Int, contentType: String, body: Data, location: String?) {
            self.status = status; self.contentType = contentType; self.body = body; self.location = location
        }
    }

    public enum Claim: Sendable, Equatable {
        case proceed
        case replay(StoredResponse)
        case mismatch
        case inProgress
    }

    public func claim(scope: String, key: String, requestHash: String) async throws -> Claim {
        let now = clock.now().epochMillis
        do {
            return try await db.transaction { sql in
                if let row = try await sql.select().column("*").from("idempotency_keys")
                    .where("scope", .equal, scope).where("idem_key", .equal, key).first() {
                    let hash = try row.decode(column: "request_hash", as: String.self)
                    guard hash == requestHash else { return .mismatch }
                    let state = try row.decode(column: "state", as: String.self)
                    if state == "done" {
                        return .replay(StoredResponse(
                            status: Int(try row.decode(column: "status", as: Int64.self)),
                            contentType: try row.decode(column: "content_type", as: String.self),
                            body: try row.decode(column: "body", as: Data.self),
                            location: try row.decode(column: "location", as: String?.self)))
                    }
                    let created = try row.decode(column: "created_at", as: Int64.self)
                    guard Double(now - created) / 1000 > staleAfter else { return .inProgress }
                    try await sql.update("idempotency_keys").set("created_at", to: now)
                        .where("scope", .equal, scope).where("idem_key", .equal, key).run()
                    return .proceed
                }
                try await sql.insert(into: "idempotency_keys")
                    .columns("scope", "idem_key", "request_hash", "state", "status", "content_type", "body", "location", "created_at")
                    .values(SQLBind(scope), SQLBind(key), SQLBind(requestHash), SQLBind("pending"), SQLBind(Int64(0)),
                            SQLBind(""), SQLBind(Data()), SQLBind(String?.none), SQLBind(now))
                    .run()
                return .proceed
            }
        } catch let error as any SQLUniqueViolation where error.isUniqueViolation {
            return .inProgress
        }
    }

    public func complete(scope: String, key: String, response: StoredResponse) async throws {
        try await db.transaction { sql in
            try await sql.update("idempotency_keys")
                .set("state", to: "done").set("status", to: Int64(response.status))
                .set("content_type", to: response.contentType).set("body", to: response.body)
                .set("location", to: response.location)
                .where("scope", .equal, scope).where("idem_key", .equal, key).run()
        }
    }

    /// Forget a claim whose request failed on our side, so the client can retry.
    public func abandon(scope: String, key: String) async throws {
        try await db.transaction { sql in
            try await sql.delete(from: "idempotency_keys")
                .where("scope", .equal, scope).where("idem_key", .equal, key).where("state", .equal, "pending").run()
        }
    }

    /// Drop records older than `age` (kept ≥ 24 h per DESIGN).
    public func purge(olderThan age: TimeInterval) async throws {
        let cutoff = clock.now().addingTimeInterval(-age).epochMillis
        try await db.transaction { sql in
            try await sql.delete(from: "idempotency_keys").where("created_at", .lessThan, cutoff).run()
        }
    }
}
