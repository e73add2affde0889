import Foundation
import Kernel
import SQLKit

/// API keys and console sessions: turning a credential into a `Principal`.
public struct AccessService: Sendable {
    let ctx: PartiesContext
    let keys = APIKeyStore()
    let sessions = SessionStore()
    let users = UserStore()
    let merchants = MerchantStore()
    public init(_ ctx: PartiesContext) { self.ctx = ctx }

    // MARK: API keys

    /// Creates a key; the clear token is returned once and never stored.
    public func createKey(name: String?, role: String?, merchantId given: String?, by p: Principal) async throws -> (APIKey, String) {
        try p.require(.apiKeysManage)
        var v = Validator()
        let name = v.name(name, field: "name", max: 100)
        let role = UserService.parseRole(role, &v)
        try v.finish()
        let merchantId = try MerchantID.field(given, "merchantId") ?? (p.role == .merchantAdmin ? p.merchantId : nil)
        try p.require(RolePolicy.mayGrant(role!, merchantId: merchantId, by: p), "create a \(role!.rawValue) key here")
        let token = APIKey.newToken()
        // The key acts for the person who made it (through a session or another of their keys), never for a credential.
        let key = APIKey(id: .generate(), merchantId: merchantId, role: role!, name: name!,
                         prefix: String(token.prefix(10)), createdBy: p.actorId, createdAt: ctx.clock.now(),
                         revokedAt: nil, lastUsedAt: nil, ownerUserId: p.userId)
        try await ctx.db.transaction { [keys, merchants, ctx] sql in
            if let merchantId {
                guard let m = try await merchants.find(merchantId, scope: p.scope, in: sql) else {
                    throw ValidationError(field: "merchantId", code: "unknown", en: "No merchant \(merchantId).", zh: "商户 \(merchantId) 不存在。")
                }
                guard m.status != .closed else {
                    throw CommonError.conflict(code: "merchant-closed", en: "The merchant is closed.", zh: "该商户已关闭。")
                }
            }
            try await keys.insert(key, hash: APIKey.digest(token), in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: merchantId, action: "api-key.created",
                                                  entity: "api-key", entityId: key.id.rawValue,
                                                  data: ["role": key.role.rawValue, "prefix": key.prefix, "owner": key.ownerUserId?.rawValue ?? "service"]), in: sql)
        }
        return (key, token)
    }

    public func listKeys(limit: Int?, after: String?, by p: Principal) async throws -> Page<APIKey> {
        try p.require(.apiKeysManage)
        let n = Limits.pageSize(limit)
        let rows = try await ctx.db.read { [keys] in try await keys.list(scope: p.scope, limit: n + 1, after: after, in: $0) }
        return Page.of(rows, limit: n) { $0.id.rawValue }
    }

    public func getKey(_ id: APIKeyID, by p: Principal) async throws -> APIKey {
        try p.require(.apiKeysManage)
        guard let k = try await ctx.db.read({ [keys] in try await keys.find(id, scope: p.scope, in: $0) }) else {
            throw CommonError.notFound(entity: "api key", id: id.rawValue)
        }
        return k
    }

    public func revokeKey(_ id: APIKeyID, by p: Principal) async throws -> APIKey {
        try p.require(.apiKeysManage)
        return try await ctx.db.transaction { [keys, ctx] sql in
            guard var k = try await keys.find(id, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "api key", id: id.rawValue) }
            if k.isRevoked { return k }
            let now = ctx.clock.now()
            try await keys.revoke(k.id, at: now, in: sql)
            k.revokedAt = now
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: k.merchantId, action: "api-key.revoked",
                                                  entity: "api-key", entityId: id.rawValue, data: [:]), in: sql)
            return k
        }
    }

    /// Resolves a bearer token. Revoked keys, keys of closed merchants, and keys whose owner is disabled or may no longer
    /// grant the key's role (demoted, moved) authenticate nobody: a key never outlives its person's right.
    public func principal(forToken token: String) async throws -> Principal? {
        guard token.hasPrefix(APIKey.tokenPrefix), token.count < 200 else { return nil }
        let digest = APIKey.digest(token)
        let now = ctx.clock.now()
        return try await ctx.db.read { [keys, merchants, users] sql -> Principal? in
            guard let k = try await keys.findByHash(digest, in: sql), !k.isRevoked else { return nil }
            if let m = k.merchantId {
                guard let merchant = try await merchants.find(m, scope: .operatorWide, in: sql),
                      merchant.status != .closed else { return nil }
            }
            if let owner = k.ownerUserId {
                guard let u = try await users.find(owner, scope: .operatorWide, in: sql), !u.disabled,
                      RolePolicy.mayGrant(k.role, merchantId: k.merchantId, by: Self.principal(u)) else { return nil }
            }
            // Coarse last-used stamp: at most one write a minute per key.
            if (k.lastUsedAt.map { now.timeIntervalSince($0) > 60 } ?? true) {
                try? await keys.touch(k.id, at: now, in: sql)
            }
            return Principal(actorId: k.id.rawValue, userId: k.ownerUserId, merchantId: k.merchantId, role: k.role, channel: .apiKey)
        }
    }

    // MARK: sessions

    public struct Session: Sendable {
        public let token: String
        public let csrfToken: String
        public let user: User
        public let principal: Principal
    }

    /// Throws `LoginThrottled` (429) while the account or the client address is blocked (K3).
    public func login(email: String, password: String, clientAddress: String? = nil) async throws -> Session? {
        let guardrail = LoginGuard(ctx: ctx)
        try await guardrail.check(email: email, address: clientAddress)
        guard let user = try await UserService(ctx).authenticate(email: email, password: password) else {
            try await guardrail.recordFailure(email: email, address: clientAddress)
            return nil
        }
        try await guardrail.recordSuccess(email: email)
        let token = RandomToken.make()
        let csrf = RandomToken.make()
        let now = ctx.clock.now()
        try await ctx.db.transaction { [sessions, ctx] sql in
            try await sessions.purgeExpired(before: now, in: sql)
            try await sessions.insert(tokenHash: Digest.sha256Hex(token), userId: user.id, csrf: csrf, at: now,
                                      expires: now.addingTimeInterval(ctx.settings.sessionLifetime), in: sql)
            try await ctx.audit.append(AuditEvent(actor: user.id.rawValue, merchantId: user.merchantId,
                                                  action: "session.login", entity: "user", entityId: user.id.rawValue), in: sql)
        }
        return Session(token: token, csrfToken: csrf, user: user, principal: Self.principal(user))
    }

    public func session(forToken token: String) async throws -> Session? {
        let hash = Digest.sha256Hex(token)
        let now = ctx.clock.now().epochMillis
        return try await ctx.db.read { [sessions, users, merchants, ctx] sql -> Session? in
            guard let s = try await sessions.find(tokenHash: hash, in: sql), s.expiresAt > now,
                  now - s.lastSeenAt <= Int64(ctx.settings.sessionIdleTimeout * 1000),
                  let user = try await users.find(s.userId, scope: .operatorWide, in: sql), !user.disabled else { return nil }
            // A closed merchant's people are signed out with it (issue 10 item 6).
            if let m = user.merchantId {
                guard let merchant = try await merchants.find(m, scope: .operatorWide, in: sql), merchant.status != .closed else { return nil }
            }
            // Idle timeout (K3): coarse last-seen stamp, at most one write a minute per session.
            if now - s.lastSeenAt > 60_000 { try? await sessions.touch(tokenHash: hash, at: now, in: sql) }
            return Session(token: token, csrfToken: s.csrf, user: user, principal: Self.principal(user))
        }
    }

    /// Housekeeping: drop expired sessions (and login-throttle rows nobody needs any more).
    public func purgeExpiredSessions() async throws {
        let now = ctx.clock.now()
        try await ctx.db.transaction { [sessions] sql in try await sessions.purgeExpired(before: now, in: sql) }
        try await LoginGuard(ctx: ctx).purge()
    }

    public func logout(token: String) async throws {
        try await ctx.db.transaction { [sessions] sql in try await sessions.delete(tokenHash: Digest.sha256Hex(token), in: sql) }
    }

    static func principal(_ u: User) -> Principal {
        Principal(actorId: u.id.rawValue, userId: u.id, merchantId: u.merchantId, role: u.role, channel: .session)
    }
}
