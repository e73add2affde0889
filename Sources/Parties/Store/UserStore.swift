import Foundation
import Kernel
import SQLKit

struct UserStore: Sendable {
    struct Row: Codable {
        let id: String
        let merchantId: String?
        let email: String
        let displayName: String
        let passwordHash: String
        let role: String
        let language: String
        let disabled: Int64
        let createdAt: Int64
        let updatedAt: Int64
    }

    static let columns = ["id", "merchant_id", "email", "display_name", "password_hash", "role", "language",
                          "disabled", "created_at", "updated_at"]

    func insert(_ u: User, passwordHash: String, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "users").columns(Self.columns)
            .values([u.id.rawValue, u.merchantId?.rawValue, u.email, u.displayName, passwordHash, u.role.rawValue,
                     u.language.rawValue, Int64(u.disabled ? 1 : 0), u.createdAt.epochMillis, u.updatedAt.epochMillis] as [any Encodable & Sendable])
            .run()
    }

    func update(_ u: User, in sql: any SQLDatabase) async throws {
        try await sql.update("users")
            .set("display_name", to: u.displayName).set("role", to: u.role.rawValue)
            .set("language", to: u.language.rawValue).set("disabled", to: Int64(u.disabled ? 1 : 0))
            .set("updated_at", to: u.updatedAt.epochMillis)
            .where("id", .equal, u.id.rawValue).run()
    }

    func setPassword(_ id: UserID, hash: String, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.update("users").set("password_hash", to: hash).set("updated_at", to: at.epochMillis)
            .where("id", .equal, id.rawValue).run()
    }

    func find(_ id: UserID, scope: TenantScope, in sql: any SQLDatabase) async throws -> User? {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("users").where("id", .equal, id.rawValue)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        return try await q.first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    /// For login only: the row with its password hash.
    func findForLogin(email: String, in sql: any SQLDatabase) async throws -> (User, String)? {
        guard let r = try await sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("users")
            .where("email", .equal, email.lowercased())
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase) else { return nil }
        return (Self.model(r), r.passwordHash)
    }

    func list(scope: TenantScope, merchantId: MerchantID?, role: Role? = nil, search: String? = nil, limit: Int, after: String?,
              in sql: any SQLDatabase) async throws -> [User] {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("users")
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        if let merchantId { q.where("merchant_id", .equal, merchantId.rawValue) }
        if let role { q.where("role", .equal, role.rawValue) }
        if let search, !search.isEmpty {
            let pattern = "%" + search.lowercased().replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            q.where { $0.where(SQLFunction("lower", args: SQLIdentifier("display_name")), .like, SQLBind(pattern))
                .orWhere("email", .like, SQLBind(pattern)) }
        }
        if let after { q.where("id", .greaterThan, after) }
        return try await q.orderBy("id").limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    static func model(_ r: Row) -> User {
        User(id: UserID(unchecked: r.id), merchantId: r.merchantId.map(MerchantID.init(unchecked:)), email: r.email,
             displayName: r.displayName, role: Role(rawValue: r.role) ?? .merchantStaff,
             language: Language(rawValue: r.language) ?? .en, disabled: r.disabled != 0,
             createdAt: Date(epochMillis: r.createdAt), updatedAt: Date(epochMillis: r.updatedAt))
    }
}

struct APIKeyStore: Sendable {
    struct Row: Codable {
        let id: String
        let merchantId: String?
        let role: String
        let name: String
        let prefix: String
        let createdBy: String
        let createdAt: Int64
        let revokedAt: Int64?
        let lastUsedAt: Int64?
        let ownerUserId: String?
    }

    static let columns = ["id", "merchant_id", "role", "name", "prefix", "created_by", "created_at", "revoked_at", "last_used_at",
                          "owner_user_id"]

    func insert(_ k: APIKey, hash: String, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "api_keys").columns(Self.columns + ["key_hash"])
            .values([k.id.rawValue, k.merchantId?.rawValue, k.role.rawValue, k.name, k.prefix, k.createdBy,
                     k.createdAt.epochMillis, k.revokedAt?.epochMillis, k.lastUsedAt?.epochMillis, k.ownerUserId?.rawValue, hash] as [any Encodable & Sendable])
            .run()
    }

    func find(_ id: APIKeyID, scope: TenantScope, in sql: any SQLDatabase) async throws -> APIKey? {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("api_keys").where("id", .equal, id.rawValue)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        return try await q.first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func findByHash(_ hash: String, in sql: any SQLDatabase) async throws -> APIKey? {
        try await sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("api_keys")
            .where("key_hash", .equal, hash)
            .first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func list(scope: TenantScope, limit: Int, after: String?, in sql: any SQLDatabase) async throws -> [APIKey] {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("api_keys")
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        if let after { q.where("id", .greaterThan, after) }
        return try await q.orderBy("id").limit(limit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func revoke(_ id: APIKeyID, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.update("api_keys").set("revoked_at", to: at.epochMillis).where("id", .equal, id.rawValue).run()
    }

    /// Ends every live key a person owns (disabled, or their role changed): returns the ids revoked.
    func revokeAll(ownedBy userId: UserID, at: Date, in sql: any SQLDatabase) async throws -> [String] {
        let ids = try await sql.select().column("id").from("api_keys").where("owner_user_id", .equal, userId.rawValue).where("revoked_at", .is, SQLLiteral.null)
            .all().map { try $0.decode(column: "id", as: String.self) }
        guard !ids.isEmpty else { return [] }
        try await sql.update("api_keys").set("revoked_at", to: at.epochMillis).where("owner_user_id", .equal, userId.rawValue)
            .where("revoked_at", .is, SQLLiteral.null).run()
        return ids
    }

    func touch(_ id: APIKeyID, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.update("api_keys").set("last_used_at", to: at.epochMillis).where("id", .equal, id.rawValue).run()
    }

    static func model(_ r: Row) -> APIKey {
        APIKey(id: APIKeyID(unchecked: r.id), merchantId: r.merchantId.map(MerchantID.init(unchecked:)),
               role: Role(rawValue: r.role) ?? .merchantStaff, name: r.name, prefix: r.prefix, createdBy: r.createdBy,
               createdAt: Date(epochMillis: r.createdAt), revokedAt: r.revokedAt.map(Date.init(epochMillis:)),
               lastUsedAt: r.lastUsedAt.map(Date.init(epochMillis:)), ownerUserId: r.ownerUserId.map(UserID.init(unchecked:)))
    }
}

struct SessionStore: Sendable {
    /// `id` names the session on the Account page; the client address and User-Agent let its owner recognise it.
    func insert(tokenHash: String, id: SessionID, userId: UserID, csrf: String, at: Date, expires: Date,
                clientAddress: String?, userAgent: String?, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "sessions")
            .columns("token_hash", "id", "user_id", "csrf_token", "created_at", "expires_at", "last_seen_at", "client_ip", "user_agent")
            .values([tokenHash, id.rawValue, userId.rawValue, csrf, at.epochMillis, expires.epochMillis, at.epochMillis,
                     clientAddress.map { String($0.prefix(64)) }, userAgent.map { String($0.prefix(300)) }] as [any Encodable & Sendable])
            .run()
    }

    func find(tokenHash: String, in sql: any SQLDatabase) async throws -> (id: SessionID, userId: UserID, csrf: String, expiresAt: Int64, lastSeenAt: Int64)? {
        guard let row = try await sql.select().columns("id", "user_id", "csrf_token", "expires_at", "created_at", "last_seen_at").from("sessions")
            .where("token_hash", .equal, tokenHash).first() else { return nil }
        let created = try row.decode(column: "created_at", as: Int64.self)
        let lastSeen = try row.decode(column: "last_seen_at", as: Int64?.self) ?? created
        return (SessionID(unchecked: try row.decode(column: "id", as: String.self)),
                UserID(unchecked: try row.decode(column: "user_id", as: String.self)), try row.decode(column: "csrf_token", as: String.self),
                try row.decode(column: "expires_at", as: Int64.self), lastSeen)
    }

    /// The user's sessions still within their lifetime and idle limit, most recently used first (at most 100).
    func list(userId: UserID, now: Int64, idleMillis: Int64, in sql: any SQLDatabase) async throws -> [SessionInfo] {
        try await sql.select().columns("id", "created_at", "last_seen_at", "client_ip", "user_agent").from("sessions")
            .where("user_id", .equal, userId.rawValue).where("expires_at", .greaterThan, now)
            .orderBy("last_seen_at", .descending).limit(100).all()
            .compactMap { row -> SessionInfo? in
                let created = try row.decode(column: "created_at", as: Int64.self)
                let lastSeen = try row.decode(column: "last_seen_at", as: Int64?.self) ?? created
                guard now - lastSeen <= idleMillis else { return nil }
                return SessionInfo(id: SessionID(unchecked: try row.decode(column: "id", as: String.self)), createdAt: Date(epochMillis: created),
                                   lastSeenAt: Date(epochMillis: lastSeen), clientAddress: try row.decode(column: "client_ip", as: String?.self),
                                   userAgent: try row.decode(column: "user_agent", as: String?.self))
            }
    }

    /// Deletes one session of this user only; false when the user has no such session (someone else's, or gone).
    func delete(id: SessionID, userId: UserID, in sql: any SQLDatabase) async throws -> Bool {
        guard try await sql.select().column("id").from("sessions").where("id", .equal, id.rawValue)
            .where("user_id", .equal, userId.rawValue).first() != nil else { return false }
        try await sql.delete(from: "sessions").where("id", .equal, id.rawValue).where("user_id", .equal, userId.rawValue).run()
        return true
    }

    /// Ends every session of the user but `keep`; returns how many ended.
    func deleteAll(userId: UserID, except keep: SessionID, in sql: any SQLDatabase) async throws -> Int {
        let n = try await sql.select().column("id").from("sessions").where("user_id", .equal, userId.rawValue)
            .where("id", .notEqual, keep.rawValue).all().count
        try await sql.delete(from: "sessions").where("user_id", .equal, userId.rawValue).where("id", .notEqual, keep.rawValue).run()
        return n
    }

    func touch(tokenHash: String, at millis: Int64, in sql: any SQLDatabase) async throws {
        try await sql.update("sessions").set("last_seen_at", to: millis).where("token_hash", .equal, tokenHash).run()
    }

    func delete(tokenHash: String, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "sessions").where("token_hash", .equal, tokenHash).run()
    }

    func deleteAll(userId: UserID, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "sessions").where("user_id", .equal, userId.rawValue).run()
    }

    func purgeExpired(before: Date, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "sessions").where("expires_at", .lessThan, before.epochMillis).run()
    }
}
