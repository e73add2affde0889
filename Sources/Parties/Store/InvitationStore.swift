import Foundation
import Kernel
import SQLKit

struct InvitationStore: Sendable {
    struct Row: Codable {
        let id: String
        let userId: String
        let merchantId: String?
        let createdBy: String
        let createdAt: Int64
        let expiresAt: Int64
        let acceptedAt: Int64?
        let revokedAt: Int64?
    }

    static let columns = ["id", "user_id", "merchant_id", "created_by", "created_at", "expires_at", "accepted_at", "revoked_at"]

    func insert(_ i: Invitation, tokenDigest: String, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "user_invitations").columns(Self.columns + ["token_digest"])
            .values([i.id.rawValue, i.userId.rawValue, i.merchantId?.rawValue, i.createdBy, i.createdAt.epochMillis, i.expiresAt.epochMillis,
                     i.acceptedAt?.epochMillis, i.revokedAt?.epochMillis, tokenDigest] as [any Encodable & Sendable])
            .run()
    }

    func find(tokenDigest: String, in sql: any SQLDatabase) async throws -> Invitation? {
        try await sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("user_invitations")
            .where("token_digest", .equal, tokenDigest)
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    /// The newest invitation of each of these users (for the users table's "invited" state).
    func latest(for users: [UserID], in sql: any SQLDatabase) async throws -> [UserID: Invitation] {
        guard !users.isEmpty else { return [:] }
        let rows = try await sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("user_invitations")
            .where("user_id", .in, users.map(\.rawValue)).orderBy("created_at")
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
        return Dictionary(rows.map { ($0.userId, $0) }, uniquingKeysWith: { _, newer in newer })
    }

    func markAccepted(_ id: InvitationID, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.update("user_invitations").set("accepted_at", to: at.epochMillis).where("id", .equal, id.rawValue).run()
    }

    /// Withdraws every open invitation of a user (a new link replaces the old; a disabled user's link dies).
    func revokeOpen(userId: UserID, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.update("user_invitations").set("revoked_at", to: at.epochMillis)
            .where("user_id", .equal, userId.rawValue).where("accepted_at", .is, SQLLiteral.null).where("revoked_at", .is, SQLLiteral.null).run()
    }

    static func model(_ r: Row) -> Invitation {
        Invitation(id: .init(unchecked: r.id), userId: .init(unchecked: r.userId), merchantId: r.merchantId.map(MerchantID.init(unchecked:)),
                   createdBy: r.createdBy, createdAt: Date(epochMillis: r.createdAt), expiresAt: Date(epochMillis: r.expiresAt),
                   acceptedAt: r.acceptedAt.map(Date.init(epochMillis:)), revokedAt: r.revokedAt.map(Date.init(epochMillis:)))
    }
}
