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
    let twoFactor = TwoFactorStore()
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
        /// The session's public name (Account page); never the token.
        public let id: SessionID
        public let csrfToken: String
        public let user: User
        public let principal: Principal
        public var twoFactorEnabled: Bool = false
        /// Two-factor is required for this user and not set up: only the Account page (enrolment) is open.
        public var mustEnrolTwoFactor: Bool = false
    }

    /// Where a correct password leads: a session, or (two-factor on) the second step with a short-lived token.
    public enum LoginStep: Sendable {
        case session(Session)
        case secondFactor(challenge: String)
    }

    /// What the second step of a log-in answered.
    public enum SecondStep: Sendable {
        case session(Session)
        /// Wrong, replayed or malformed code; `attemptsLeft` more may be tried on this pending log-in.
        case refused(attemptsLeft: Int)
        /// The pending log-in is unknown, expired or out of attempts: enter the password again.
        case expired
    }

    /// Password only: a session for a user without two-factor sign-in; nil for a wrong password and for a user who
    /// has two-factor on (they go through `beginLogin` and `completeLogin`).
    public func login(email: String, password: String, clientAddress: String? = nil, userAgent: String? = nil) async throws -> Session? {
        guard case .session(let s)? = try await beginLogin(email: email, password: password, clientAddress: clientAddress, userAgent: userAgent)
        else { return nil }
        return s
    }

    /// Checks the password. Throws `LoginThrottled` (429) while the account or the client address is blocked (K3).
    public func beginLogin(email: String, password: String, clientAddress: String? = nil, userAgent: String? = nil) async throws -> LoginStep? {
        let guardrail = LoginGuard(ctx: ctx)
        try await guardrail.check(email: email, address: clientAddress)
        guard let user = try await UserService(ctx).authenticate(email: email, password: password) else {
            try await guardrail.recordFailure(email: email, address: clientAddress)
            return nil
        }
        try await guardrail.recordSuccess(email: email)
        let factor = try await ctx.db.read { [twoFactor] in try await twoFactor.find(user.id, in: $0) }
        if factor?.enabledAt != nil {
            let token = RandomToken.make()
            let now = ctx.clock.now()
            try await ctx.db.transaction { [twoFactor, ctx] sql in
                try await twoFactor.insertChallenge(tokenHash: Digest.sha256Hex(token), userId: user.id, at: now,
                                                    expires: now.addingTimeInterval(ctx.settings.loginChallengeLifetime), in: sql)
            }
            return .secondFactor(challenge: token)
        }
        return .session(try await startSession(user, method: "password", clientAddress: clientAddress, userAgent: userAgent))
    }

    /// The second step: a code from the app or an unused recovery code. Wrong codes count against the pending log-in
    /// (`loginChallengeAttempts`, then the password is asked again) and against the login throttle of the account and
    /// the client address, like wrong passwords.
    public func completeLogin(challenge: String, code: String, clientAddress: String? = nil, userAgent: String? = nil) async throws -> SecondStep {
        guard !challenge.isEmpty, challenge.count < 100 else { return .expired }
        let hash = Digest.sha256Hex(challenge)
        let now = ctx.clock.now()
        guard let pending = try await ctx.db.read({ [twoFactor] in try await twoFactor.challenge(tokenHash: hash, in: $0) }),
              pending.expiresAt > now.epochMillis,
              let user = try await ctx.db.read({ [users] in try await users.find(UserID(unchecked: pending.userId), scope: .operatorWide, in: $0) }),
              !user.disabled else { return .expired }
        let guardrail = LoginGuard(ctx: ctx)
        try await guardrail.check(email: user.email, address: clientAddress)
        let limit = ctx.settings.loginChallengeAttempts
        let outcome = try await ctx.db.transaction { [twoFactor, ctx] sql -> (method: String?, refusal: String?, attempts: Int64) in
            guard let c = try await twoFactor.challenge(tokenHash: hash, in: sql), c.expiresAt > now.epochMillis, c.attempts < limit else {
                return (nil, "expired", Int64(limit))
            }
            let method: String?
            var refusal = "wrong"
            switch TwoFactorRules.classify(code) {
            case .totp(let digits):
                guard let row = try await twoFactor.find(user.id, forUpdate: true, in: sql), row.enabledAt != nil else { return (nil, "expired", Int64(limit)) }
                let secret = try ctx.cipher.open(row.secretEnc, context: TwoFactorService.secretContext(user.id))
                switch TwoFactorRules.verify(digits, secret: secret, at: now, lastUsedStep: row.lastStep) {
                case .accepted(let step):
                    try await twoFactor.markStepUsed(user.id, step: step, in: sql)
                    method = "totp"
                case .replayed: method = nil; refusal = "replayed"
                case .wrong: method = nil
                }
            case .recovery(let normalised):
                let spent = try await twoFactor.spendRecoveryCode(user.id, hash: TwoFactorService.recoveryHash(normalised, user: user.id, ctx.cipher),
                                                                  at: now, in: sql)
                method = spent ? "recovery-code" : nil
            case .malformed:
                method = nil; refusal = "malformed"
            }
            if method != nil {
                try await twoFactor.deleteChallenge(tokenHash: hash, in: sql)
                return (method, nil, c.attempts)
            }
            let attempts = c.attempts + 1
            if attempts >= limit { try await twoFactor.deleteChallenge(tokenHash: hash, in: sql) } else {
                try await twoFactor.countAttempt(tokenHash: hash, attempts: attempts, in: sql)
            }
            try await ctx.audit.append(AuditEvent(actor: user.id.rawValue, merchantId: user.merchantId, action: "two-factor.code-refused",
                                                  entity: "user", entityId: user.id.rawValue, data: ["reason": refusal]), in: sql)
            return (nil, refusal, attempts)
        }
        guard let method = outcome.method else {
            if outcome.refusal == "expired" { return .expired }
            try await guardrail.recordFailure(email: user.email, address: clientAddress)
            let left = max(0, limit - Int(outcome.attempts))
            return left == 0 ? .expired : .refused(attemptsLeft: left)
        }
        try await guardrail.recordSuccess(email: user.email)
        return .session(try await startSession(user, method: method, clientAddress: clientAddress, userAgent: userAgent))
    }

    func startSession(_ user: User, method: String, clientAddress: String?, userAgent: String?) async throws -> Session {
        let token = RandomToken.make()
        let csrf = RandomToken.make()
        let id = SessionID.generate()
        let now = ctx.clock.now()
        try await ctx.db.transaction { [sessions, ctx] sql in
            try await sessions.purgeExpired(before: now, in: sql)
            try await sessions.insert(tokenHash: Digest.sha256Hex(token), id: id, userId: user.id, csrf: csrf, at: now,
                                      expires: now.addingTimeInterval(ctx.settings.sessionLifetime),
                                      clientAddress: clientAddress, userAgent: userAgent, in: sql)
            try await ctx.audit.append(AuditEvent(actor: user.id.rawValue, merchantId: user.merchantId,
                                                  action: "session.login", entity: "user", entityId: user.id.rawValue,
                                                  data: ["method": method, "session": id.rawValue]), in: sql)
        }
        let enabled = method != "password"
        return Session(token: token, id: id, csrfToken: csrf, user: user, principal: Self.principal(user), twoFactorEnabled: enabled,
                       mustEnrolTwoFactor: !enabled && TwoFactorRules.required(for: user.role, requireForOperators: ctx.settings.requireOperatorTwoFactor))
    }

    public func session(forToken token: String) async throws -> Session? {
        let hash = Digest.sha256Hex(token)
        let now = ctx.clock.now().epochMillis
        return try await ctx.db.read { [sessions, users, merchants, twoFactor, ctx] sql -> Session? in
            guard let s = try await sessions.find(tokenHash: hash, in: sql), s.expiresAt > now,
                  now - s.lastSeenAt <= Int64(ctx.settings.sessionIdleTimeout * 1000),
                  let user = try await users.find(s.userId, scope: .operatorWide, in: sql), !user.disabled else { return nil }
            // A closed merchant's people are signed out with it (issue 10 item 6).
            if let m = user.merchantId {
                guard let merchant = try await merchants.find(m, scope: .operatorWide, in: sql), merchant.status != .closed else { return nil }
            }
            // Idle timeout (K3): coarse last-seen stamp, at most one write a minute per session.
            if now - s.lastSeenAt > 60_000 { try? await sessions.touch(tokenHash: hash, at: now, in: sql) }
            let enabled = try await twoFactor.find(user.id, in: sql)?.enabledAt != nil
            return Session(token: token, id: s.id, csrfToken: s.csrf, user: user, principal: Self.principal(user), twoFactorEnabled: enabled,
                           mustEnrolTwoFactor: !enabled && TwoFactorRules.required(for: user.role, requireForOperators: ctx.settings.requireOperatorTwoFactor))
        }
    }

    /// Housekeeping: drop expired sessions (and login-throttle rows nobody needs any more).
    public func purgeExpiredSessions() async throws {
        let now = ctx.clock.now()
        try await ctx.db.transaction { [sessions, twoFactor] sql in
            try await sessions.purgeExpired(before: now, in: sql)
            try await twoFactor.purgeChallenges(before: now, in: sql)
        }
        try await LoginGuard(ctx: ctx).purge()
    }

    public func logout(token: String) async throws {
        try await ctx.db.transaction { [sessions] sql in try await sessions.delete(tokenHash: Digest.sha256Hex(token), in: sql) }
    }

    static func principal(_ u: User) -> Principal {
        Principal(actorId: u.id.rawValue, userId: u.id, merchantId: u.merchantId, role: u.role, channel: .session)
    }
}
