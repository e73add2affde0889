import Foundation
import Kernel
import SQLKit

/// What a signed-in person does with their own account (issue 12 item 11, K3): see and end their sessions, change
/// their password. Always the caller's own records: another person's session is "not found", never ended.
public struct AccountService: Sendable {
    let ctx: PartiesContext
    let sessions = SessionStore()
    let users = UserStore()
    public init(_ ctx: PartiesContext) { self.ctx = ctx }

    public func sessions(by p: Principal) async throws -> [SessionInfo] {
        let id = try TwoFactorService.person(p)
        let now = ctx.clock.now().epochMillis
        let idle = Int64(ctx.settings.sessionIdleTimeout * 1000)
        return try await ctx.db.read { [sessions] in try await sessions.list(userId: id, now: now, idleMillis: idle, in: $0) }
    }

    /// Ends one of the caller's own sessions.
    public func revokeSession(_ sessionId: SessionID, by p: Principal) async throws {
        let id = try TwoFactorService.person(p)
        try await ctx.db.transaction { [sessions, ctx] sql in
            guard try await sessions.delete(id: sessionId, userId: id, in: sql) else {
                throw CommonError.notFound(entity: "session", id: sessionId.rawValue)
            }
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: p.merchantId, action: "session.revoked",
                                                  entity: "user", entityId: id.rawValue, data: ["session": sessionId.rawValue]), in: sql)
        }
    }

    /// Ends every session of the caller except `current`; returns how many ended.
    @discardableResult
    public func revokeOtherSessions(keeping current: SessionID, by p: Principal) async throws -> Int {
        let id = try TwoFactorService.person(p)
        return try await ctx.db.transaction { [sessions, ctx] sql in
            let n = try await sessions.deleteAll(userId: id, except: current, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: p.merchantId, action: "session.revoked-others",
                                                  entity: "user", entityId: id.rawValue, data: ["ended": String(n)]), in: sql)
            return n
        }
    }

    /// Changes the caller's password: the current one must be right (a wrong one counts as a failed log-in, so a
    /// borrowed session cannot guess it), the new one follows the password policy, and every other session ends.
    /// Field errors name `currentPassword`, `newPassword` and `confirmPassword`.
    @discardableResult
    public func changePassword(current: String?, new: String?, confirm: String?, keeping session: SessionID, by p: Principal,
                               clientAddress: String? = nil) async throws -> Int {
        let id = try TwoFactorService.person(p)
        var v = Validator()
        if (current ?? "").isEmpty {
            v.fail("currentPassword", "required", en: "Enter your current password.", zh: "请输入当前密码。")
        }
        PasswordHasher.validate(new, field: "newPassword", &v)
        if v.errors.allSatisfy({ $0.field != "newPassword" }), new != confirm {
            v.fail("confirmPassword", "mismatch", en: "The two new passwords differ.", zh: "两次输入的新密码不一致。")
        }
        try v.finish()
        guard let found = try await ctx.db.read({ [users] sql -> (User, String)? in
            guard let u = try await users.find(id, scope: .operatorWide, in: sql) else { return nil }
            return try await users.findForLogin(email: u.email, in: sql)
        }) else { throw CommonError.notFound(entity: "user", id: id.rawValue) }
        let (user, hash) = found
        let guardrail = LoginGuard(ctx: ctx)
        try await guardrail.check(email: user.email, address: clientAddress)
        guard try await ctx.passwords.verify(current!, hash: hash) else {
            try await guardrail.recordFailure(email: user.email, address: clientAddress)
            throw ValidationError(field: "currentPassword", code: "wrong-password",
                                  en: "The current password is not right.", zh: "当前密码不正确。")
        }
        let newHash = try await ctx.passwords.hash(new!)
        let now = ctx.clock.now()
        return try await ctx.db.transaction { [users, sessions, ctx] sql in
            try await users.setPassword(id, hash: newHash, at: now, in: sql)
            let ended = try await sessions.deleteAll(userId: id, except: session, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: p.merchantId, action: "user.password-changed",
                                                  entity: "user", entityId: id.rawValue, data: ["sessionsEnded": String(ended)]), in: sql)
            return ended
        }
    }
}
