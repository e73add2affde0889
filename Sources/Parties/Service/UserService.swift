import Foundation
import Kernel
import SQLKit

public struct UserInput: Sendable {
    public var email: String?
    public var displayName: String?
    public var password: String?
    public var role: String?
    public var merchantId: String?
    public var language: String?
    public var disabled: Bool?
    public init(email: String? = nil, displayName: String? = nil, password: String? = nil, role: String? = nil,
                merchantId: String? = nil, language: String? = nil, disabled: Bool? = nil) {
        self.email = email; self.displayName = displayName; self.password = password; self.role = role
        self.merchantId = merchantId; self.language = language; self.disabled = disabled
    }
}

/// People who log in to the console (K3). Passwords are bcrypt-hashed off the event loop.
public struct UserService: Sendable {
    let ctx: PartiesContext
    let store = UserStore()
    let merchants = MerchantStore()
    public init(_ ctx: PartiesContext) { self.ctx = ctx }

    func hash(_ password: String) async throws -> String { try await ctx.passwords.hash(password) }

    public func create(_ input: UserInput, by p: Principal) async throws -> User {
        try await create(input, invited: false, by: p) { _, _ in }
    }

    /// Creates a user. An invited user gets a password nobody knows (random, hashed) and sets their own through the
    /// invitation; `then` runs in the same transaction (the invitation and its e-mail commit with the user or not at all).
    func create(_ input: UserInput, invited: Bool, by p: Principal,
                then: @Sendable (User, any SQLDatabase) async throws -> Void) async throws -> User {
        try p.require(.usersManage)
        var v = Validator()
        let email = v.email(input.email, field: "email")
        let name = v.name(input.displayName, field: "displayName", max: 100)
        let password = invited ? RandomToken.make(bytes: 32) : input.password ?? ""
        if !invited { PasswordHasher.validate(password, &v) }
        let role = Self.parseRole(input.role, &v)
        let language = input.language.map { Language(code: $0) } ?? .en
        if language == nil { v.fail("language", "invalid", en: "language must be en or zh-CN.", zh: "language 的取值无效，可选值：en、zh-CN。") }
        let merchantId = try MerchantID.field(input.merchantId, "merchantId") ?? (p.role == .merchantAdmin ? p.merchantId : nil)
        try v.finish()
        try p.require(RolePolicy.mayGrant(role!, merchantId: merchantId, by: p), "grant role \(role!.rawValue) here")
        let passwordHash = try await hash(password)
        let now = ctx.clock.now()
        let user = User(id: .generate(), merchantId: merchantId, email: email!,
                        displayName: name!, role: role!, language: language!, disabled: false, createdAt: now, updatedAt: now)
        try await ctx.db.transaction { [store, merchants, ctx] sql in
            if let merchantId {
                guard let m = try await merchants.find(merchantId, scope: p.scope, in: sql) else {
                    throw ValidationError(field: "merchantId", code: "unknown", en: "No merchant \(merchantId).", zh: "商户 \(merchantId) 不存在。")
                }
                guard m.status != .closed else {
                    throw CommonError.conflict(code: "merchant-closed", en: "The merchant is closed.", zh: "该商户已关闭。")
                }
            }
            if try await store.findForLogin(email: user.email, in: sql) != nil {
                throw CommonError.conflict(code: "email-taken", en: "A user with this e-mail exists.", zh: "该邮箱已被使用。")
            }
            try await store.insert(user, passwordHash: passwordHash, in: sql)
            let event = invited
                ? AuditEvent(actor: p.actorId, merchantId: merchantId, action: "user.invited", entity: "user", entityId: user.id.rawValue,
                             data: ["role": user.role.rawValue])
                : AuditEvent(actor: p.actorId, merchantId: merchantId, action: "user.created", entity: "user", entityId: user.id.rawValue,
                             data: ["role": user.role.rawValue])
            try await ctx.audit.append(event, in: sql)
            try await then(user, sql)
        }
        return user
    }

    static func parseRole(_ text: String?, _ v: inout Validator) -> Role? {
        guard let t = v.text(text, field: "role", max: 40) else { return nil }
        guard let r = Role(rawValue: t) else {
            v.fail("role", "invalid", en: "role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")).",
                   zh: "role 的取值无效，可选值：\(Role.allCases.map(\.rawValue).joined(separator: "、"))。")
            return nil
        }
        return r
    }

    public func get(_ id: UserID, by p: Principal) async throws -> User {
        if p.userId != id { try p.require(.usersRead) }
        guard let u = try await ctx.db.read({ [store] in try await store.find(id, scope: p.scope, in: $0) }) else {
            throw CommonError.notFound(entity: "user", id: id.rawValue)
        }
        return u
    }

    public func list(merchantId: MerchantID?, role: Role? = nil, search: String? = nil, limit: Int?, after: String?,
                     by p: Principal) async throws -> Page<User> {
        try p.require(.usersRead)
        let n = Limits.pageSize(limit)
        let text = search.map { String($0.trimmingCharacters(in: .whitespaces).prefix(100)) }
        let rows = try await ctx.db.read { [store] sql in
            try await store.list(scope: p.scope, merchantId: merchantId, role: role, search: text, limit: n + 1, after: after, in: sql)
        }
        return Page.of(rows, limit: n) { $0.id.rawValue }
    }

    public func update(_ id: UserID, _ input: UserInput, by p: Principal) async throws -> User {
        var v = Validator()
        let name = v.name(input.displayName, field: "displayName", max: 100, required: false)
        let role = input.role == nil ? nil : Self.parseRole(input.role, &v)
        let language = input.language.map { Language(code: $0) }
        if let l = language, l == nil { v.fail("language", "invalid", en: "language must be en or zh-CN.", zh: "language 的取值无效，可选值：en、zh-CN。") }
        if input.email != nil { v.fail("email", "immutable", en: "email cannot be changed.", zh: "email 不可修改。") }
        if input.password != nil { v.fail("password", "immutable", en: "password is changed through its own flow.", zh: "密码需通过专门流程修改。") }
        try v.finish()
        return try await ctx.db.transaction { [store, ctx] sql in
            guard var u = try await store.find(id, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "user", id: id.rawValue) }
            let isSelf = p.userId == u.id
            let admin = RolePolicy.mayGrant(u.role, merchantId: u.merchantId, by: p)
            // Anyone may rename themselves or switch language; role and disabling need an admin.
            try p.require(isSelf || admin, "update this user")
            var data: [String: String] = [:]
            if let name, name != u.displayName { u.displayName = name; data["displayName"] = name }
            if let l = language ?? nil, l != u.language { u.language = l; data["language"] = l.rawValue }
            if let role, role != u.role {
                try p.require(!isSelf && RolePolicy.mayGrant(role, merchantId: u.merchantId, by: p), "grant role \(role.rawValue)")
                u.role = role; data["role"] = role.rawValue
            }
            if let d = input.disabled, d != u.disabled {
                try p.require(admin && !isSelf, "disable this user")
                u.disabled = d; data["disabled"] = String(d)
            }
            guard !data.isEmpty else { return u }
            u.updatedAt = ctx.clock.now()
            try await store.update(u, in: sql)
            if u.disabled { try await SessionStore().deleteAll(userId: u.id, in: sql) }
            // A key acts for its owner: disabling them or changing their role ends every key they made (a demoted admin's
            // keys must not keep creating admin keys). Their sessions pick up the new role on the next request.
            if u.disabled || data["role"] != nil {
                let revoked = try await APIKeyStore().revokeAll(ownedBy: u.id, at: u.updatedAt, in: sql)
                if !revoked.isEmpty { data["apiKeysRevoked"] = revoked.joined(separator: ",") }
            }
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: u.merchantId, action: "user.updated",
                                                  entity: "user", entityId: id.rawValue, data: data), in: sql)
            return u
        }
    }

    /// Checks a password. A missing user still costs one bcrypt verify at the same cost, so timing does not reveal accounts.
    public func authenticate(email: String, password: String) async throws -> User? {
        let found = try await ctx.db.read { [store] in try await store.findForLogin(email: email.trimmingCharacters(in: .whitespaces), in: $0) }
        let ok = try await ctx.passwords.verify(password, hash: found?.1)
        guard ok, let user = found?.0, !user.disabled else { return nil }
        if let m = user.merchantId {
            let merchant = try await ctx.db.read { [merchants] in try await merchants.find(m, scope: .operatorWide, in: $0) }
            if merchant?.status == .closed { return nil }
        }
        return user
    }
}
