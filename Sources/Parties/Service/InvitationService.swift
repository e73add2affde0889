import Foundation
import Kernel
import SQLKit
import Synchronization

/// Inviting people by e-mail (issue 12 item 8, K3): an admin names the person and their role; the person gets a link
/// (through the notification module's sealed e-mail) and chooses their own password. The token exists in clear only
/// in that e-mail and in the answer to the admin; the database keeps its SHA-256 digest.
public struct InvitationService: Sendable {
    let ctx: PartiesContext
    let users: UserService
    let store = InvitationStore()
    let userStore = UserStore()

    public init(_ ctx: PartiesContext, users: UserService) { self.ctx = ctx; self.users = users }

    /// What the admin gets back: the new user and the link to pass on (shown once) when e-mail is not set up.
    public struct Sent: Sendable {
        public let user: User
        public let invitation: Invitation
        public let link: String
    }

    /// Creates the user (who cannot sign in yet) and the invitation; `linkBase` is the console's public address.
    public func invite(_ input: UserInput, linkBase: String, by p: Principal) async throws -> Sent {
        let token = RandomToken.make(bytes: 32)
        let link = Self.link(linkBase, token)
        let now = ctx.clock.now()
        let inviter = p.userId == nil ? nil : try? await users.get(p.userId!, by: p)
        let box = Mutex<Invitation?>(nil)
        let user = try await users.create(input, invited: true, by: p) { [self] user, sql in
            let invitation = try await issue(user, token: token, link: link, inviter: inviter, at: now, by: p, in: sql)
            box.withLock { $0 = invitation }
        }
        return Sent(user: user, invitation: box.withLock { $0! }, link: link)
    }

    /// A fresh link for a user who has not accepted yet; the old link stops working.
    public func resend(_ userId: UserID, linkBase: String, by p: Principal) async throws -> Sent {
        let token = RandomToken.make(bytes: 32)
        let link = Self.link(linkBase, token)
        let now = ctx.clock.now()
        let inviter = p.userId == nil ? nil : try? await users.get(p.userId!, by: p)
        return try await ctx.db.transaction { [self, store, userStore, ctx] sql in
            guard let user = try await userStore.find(userId, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "user", id: userId.rawValue) }
            try p.require(RolePolicy.mayGrant(user.role, merchantId: user.merchantId, by: p) && p.userId != user.id, "invite this user again")
            guard let last = try await store.latest(for: [userId], in: sql)[userId], last.acceptedAt == nil, !user.disabled else {
                throw CommonError.conflict(code: "not-invited", en: "\(user.displayName) has no pending invitation.",
                                           zh: "\(user.displayName) 没有待接受的邀请。")
            }
            try await store.revokeOpen(userId: userId, at: now, in: sql)
            let invitation = try await issue(user, token: token, link: link, inviter: inviter, at: now, by: p, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: user.merchantId, action: "user.invited",
                                                  entity: "user", entityId: userId.rawValue, data: ["role": user.role.rawValue, "again": "true"]), in: sql)
            return Sent(user: user, invitation: invitation, link: link)
        }
    }

    /// The invitation behind a link, if it can still be used (for the set-password page).
    public func pending(token: String) async throws -> (Invitation, User) {
        let digest = Digest.sha256Hex(token)
        let now = ctx.clock.now()
        let found = try await ctx.db.read { [store, userStore] sql -> (Invitation, User)? in
            guard let i = try await store.find(tokenDigest: digest, in: sql),
                  let u = try await userStore.find(i.userId, scope: .operatorWide, in: sql) else { return nil }
            return (i, u)
        }
        guard let (i, u) = found, i.isOpen(at: now), !u.disabled else { throw Self.invalidLink }
        return (i, u)
    }

    /// Sets the password and spends the link (once: a second use, or a use after expiry, is refused the same way).
    public func accept(token: String, password: String?, confirmation: String?) async throws -> User {
        var v = Validator()
        PasswordHasher.validate(password, &v)
        if password != nil, password != confirmation {
            v.fail("confirmation", "mismatch", en: "The two passwords differ.", zh: "两次输入的密码不一致。")
        }
        try v.finish()
        let hash = try await ctx.passwords.hash(password!)
        let digest = Digest.sha256Hex(token)
        let now = ctx.clock.now()
        return try await ctx.db.transaction { [store, userStore, ctx] sql in
            guard let i = try await store.find(tokenDigest: digest, in: sql), i.isOpen(at: now),
                  let u = try await userStore.find(i.userId, scope: .operatorWide, in: sql), !u.disabled else { throw Self.invalidLink }
            try await store.markAccepted(i.id, at: now, in: sql)
            try await userStore.setPassword(u.id, hash: hash, at: now, in: sql)
            try await ctx.audit.append(AuditEvent(actor: u.id.rawValue, merchantId: u.merchantId, action: "user.invitation-accepted",
                                                  entity: "user", entityId: u.id.rawValue, data: [:]), in: sql)
            return u
        }
    }

    /// The newest invitation of each user (to show "invited, not yet accepted").
    public func latest(for users: [UserID]) async throws -> [UserID: Invitation] {
        try await ctx.db.read { [store] in try await store.latest(for: users, in: $0) }
    }

    static let invalidLink = CommonError.conflict(code: "invitation-invalid",
                                                  en: "This invitation link is not valid any more (used, replaced or expired). Ask for a new one.",
                                                  zh: "该邀请链接已失效（已使用、已被替换或已过期），请联系管理员重新邀请。")

    static func link(_ base: String, _ token: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/console/invite/" + token
    }

    /// Records a new invitation (its token as a digest) and e-mails its link, in the caller's transaction.
    func issue(_ user: User, token: String, link: String, inviter: User?, at now: Date, by p: Principal,
               in sql: any SQLDatabase) async throws -> Invitation {
        let invitation = Invitation(id: .generate(), userId: user.id, merchantId: user.merchantId, createdBy: p.actorId,
                                    createdAt: now, expiresAt: now.addingTimeInterval(Invitation.validity))
        try await store.insert(invitation, tokenDigest: Digest.sha256Hex(token), in: sql)
        try await Self.announce(user, invitation, link: link, inviter: inviter?.displayName ?? "Tradelane", notifier: ctx.notifier, in: sql)
        return invitation
    }

    static func announce(_ user: User, _ i: Invitation, link: String, inviter: String, notifier: (any Notifier)?, in sql: any SQLDatabase) async throws {
        try await notifier?.notify(NotificationRequest(
            recipients: [.user(user.id)], template: "user.invited",
            params: ["inviter": inviter, "role": user.role.label(.en), "role@zh": user.role.label(.zh)],
            merchantId: user.merchantId, entity: "user", entityId: user.id.rawValue, dedupeKey: "invitation:\(i.id.rawValue)",
            secretParams: ["link": link]), in: sql)
    }
}
