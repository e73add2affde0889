import Foundation
import Kernel
import SQLKit

/// `login_throttle`: one row per throttled key (a digest, never the e-mail or address itself).
struct LoginThrottleStore: Sendable {
    struct Row: Codable {
        let throttleKey: String
        let failures: Int64
        let lastFailureAt: Int64
        let blockedUntil: Int64?
    }

    func find(_ keys: [String], in sql: any SQLDatabase) async throws -> [String: ThrottleState] {
        guard !keys.isEmpty else { return [:] }
        let rows = try await sql.select().columns("throttle_key", "failures", "last_failure_at", "blocked_until").from("login_throttle")
            .where("throttle_key", .in, keys).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        return Dictionary(rows.map { ($0.throttleKey, Self.state($0)) }, uniquingKeysWith: { a, _ in a })
    }

    /// The row locked for this transaction (created empty first, so two instances serialise on it).
    func lock(_ key: String, now: Int64, in sql: any SQLDatabase) async throws -> ThrottleState? {
        try await sql.insert(into: "login_throttle").columns("throttle_key", "failures", "last_failure_at", "blocked_until")
            .values([key, Int64(0), now, Int64?.none] as [any Encodable & Sendable])
            .ignoringConflicts(with: "throttle_key").run()
        let row = try await sql.select().columns("throttle_key", "failures", "last_failure_at", "blocked_until").from("login_throttle")
            .where("throttle_key", .equal, key).for(.update)
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        return row.flatMap { $0.failures == 0 ? nil : Self.state($0) }
    }

    func save(_ key: String, _ s: ThrottleState, in sql: any SQLDatabase) async throws {
        try await sql.update("login_throttle").set("failures", to: Int64(s.failures)).set("last_failure_at", to: s.lastFailureAt)
            .set("blocked_until", to: s.blockedUntil).where("throttle_key", .equal, key).run()
    }

    func clear(_ key: String, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "login_throttle").where("throttle_key", .equal, key).run()
    }

    /// Housekeeping: rows with no failure for `before` and no block left.
    func purge(lastFailureBefore: Int64, now: Int64, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "login_throttle").where("last_failure_at", .lessThan, lastFailureBefore)
            .where(group: { $0.where("blocked_until", .is, SQLLiteral.null).orWhere("blocked_until", .lessThan, now) }).run()
    }

    static func state(_ r: Row) -> ThrottleState {
        ThrottleState(failures: Int(r.failures), lastFailureAt: r.lastFailureAt, blockedUntil: r.blockedUntil)
    }
}
