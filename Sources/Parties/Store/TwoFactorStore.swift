import Foundation
import Kernel
import SQLKit

/// `user_two_factor`, `user_recovery_codes` and `login_challenges` (Parties migration 4). The TOTP secret is stored
/// sealed (AES-GCM, bound to the user), recovery codes as keyed digests, pending log-ins by the digest of their token.
struct TwoFactorStore: Sendable {
    struct Row: Codable {
        let userId: String
        let secretEnc: String
        let enabledAt: Int64?
        let lastStep: Int64?
        let createdAt: Int64
    }

    static let columns = ["user_id", "secret_enc", "enabled_at", "last_step", "created_at"]

    func find(_ userId: UserID, forUpdate: Bool = false, in sql: any SQLDatabase) async throws -> Row? {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("user_two_factor").where("user_id", .equal, userId.rawValue)
        if forUpdate { q.for(.update) }
        return try await q.first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Starts (or restarts) an enrolment: the new secret, not yet enabled.
    func savePending(_ userId: UserID, secretEnc: String, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "user_two_factor").where("user_id", .equal, userId.rawValue).run()
        try await sql.insert(into: "user_two_factor").columns(Self.columns)
            .values([userId.rawValue, secretEnc, Int64?.none, Int64?.none, at.epochMillis] as [any Encodable & Sendable]).run()
    }

    func enable(_ userId: UserID, at: Date, step: Int64, in sql: any SQLDatabase) async throws {
        try await sql.update("user_two_factor").set("enabled_at", to: at.epochMillis).set("last_step", to: step)
            .where("user_id", .equal, userId.rawValue).run()
    }

    func markStepUsed(_ userId: UserID, step: Int64, in sql: any SQLDatabase) async throws {
        try await sql.update("user_two_factor").set("last_step", to: step).where("user_id", .equal, userId.rawValue).run()
    }

    /// Removes the secret and every recovery code (an admin's reset, an erased account).
    func delete(_ userId: UserID, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "user_recovery_codes").where("user_id", .equal, userId.rawValue).run()
        try await sql.delete(from: "user_two_factor").where("user_id", .equal, userId.rawValue).run()
        try await sql.delete(from: "login_challenges").where("user_id", .equal, userId.rawValue).run()
    }

    /// Users with two-factor on (for the operator admin's reset list), newest first, at most `limit`.
    func enabledUsers(limit: Int, in sql: any SQLDatabase) async throws -> [(UserID, Date)] {
        try await sql.select().columns("user_id", "enabled_at").from("user_two_factor")
            .where("enabled_at", .isNot, SQLLiteral.null).orderBy("enabled_at", .descending).limit(limit).all()
            .map { (UserID(unchecked: try $0.decode(column: "user_id", as: String.self)), Date(epochMillis: try $0.decode(column: "enabled_at", as: Int64.self))) }
    }

    // MARK: recovery codes

    func replaceRecoveryCodes(_ userId: UserID, hashes: [String], at: Date, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "user_recovery_codes").where("user_id", .equal, userId.rawValue).run()
        for h in hashes {
            try await sql.insert(into: "user_recovery_codes").columns("user_id", "code_hash", "created_at", "used_at")
                .values([userId.rawValue, h, at.epochMillis, Int64?.none] as [any Encodable & Sendable]).run()
        }
    }

    func unusedRecoveryCodes(_ userId: UserID, in sql: any SQLDatabase) async throws -> Int {
        try await sql.select().column("code_hash").from("user_recovery_codes").where("user_id", .equal, userId.rawValue)
            .where("used_at", .is, SQLLiteral.null).all().count
    }

    /// Marks an unused code used; false when there is no such unused code (wrong, or already spent).
    func spendRecoveryCode(_ userId: UserID, hash: String, at: Date, in sql: any SQLDatabase) async throws -> Bool {
        guard try await sql.select().column("code_hash").from("user_recovery_codes").where("user_id", .equal, userId.rawValue)
            .where("code_hash", .equal, hash).where("used_at", .is, SQLLiteral.null).for(.update).first() != nil else { return false }
        try await sql.update("user_recovery_codes").set("used_at", to: at.epochMillis).where("user_id", .equal, userId.rawValue)
            .where("code_hash", .equal, hash).run()
        return true
    }

    // MARK: pending log-ins (password right, second factor still to come)

    struct Challenge: Codable {
        let tokenHash: String
        let userId: String
        let expiresAt: Int64
        let attempts: Int64
    }

    func insertChallenge(tokenHash: String, userId: UserID, at: Date, expires: Date, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "login_challenges").where("expires_at", .lessThan, at.epochMillis).run()
        try await sql.insert(into: "login_challenges").columns("token_hash", "user_id", "created_at", "expires_at", "attempts")
            .values([tokenHash, userId.rawValue, at.epochMillis, expires.epochMillis, Int64(0)] as [any Encodable & Sendable]).run()
    }

    func challenge(tokenHash: String, in sql: any SQLDatabase) async throws -> Challenge? {
        try await sql.select().columns("token_hash", "user_id", "expires_at", "attempts").from("login_challenges")
            .where("token_hash", .equal, tokenHash).for(.update)
            .first(decoding: Challenge.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    func countAttempt(tokenHash: String, attempts: Int64, in sql: any SQLDatabase) async throws {
        try await sql.update("login_challenges").set("attempts", to: attempts).where("token_hash", .equal, tokenHash).run()
    }

    func purgeChallenges(before: Date, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "login_challenges").where("expires_at", .lessThan, before.epochMillis).run()
    }

    func deleteChallenge(tokenHash: String, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "login_challenges").where("token_hash", .equal, tokenHash).run()
    }
}
