import Foundation
import Kernel
import SQLKit

/// Two-factor sign-in for console users (issue 12 item 11, K3): enrolment confirmed by a first code, ten single-use
/// recovery codes shown once, and an operator admin's reset of another person's second factor. Every change audited.
public struct TwoFactorService: Sendable {
    let ctx: PartiesContext
    let store = TwoFactorStore()
    let users = UserStore()
    public init(_ ctx: PartiesContext) { self.ctx = ctx }

    /// Associated data of the sealed secret: a ciphertext copied to another user's row does not open.
    static func secretContext(_ user: UserID) -> String { "user_two_factor.secret:\(user.rawValue)" }

    /// Keyed digest (HMAC under the master key) of a normalised recovery code: a stolen table cannot be brute-forced.
    static func recoveryHash(_ normalised: String, user: UserID, _ cipher: FieldCipher) -> String {
        cipher.mac(Data(normalised.utf8), context: "recovery-code:\(user.rawValue)")
    }

    static func person(_ p: Principal) throws -> UserID {
        guard let id = p.userId, p.channel == .session else { throw CommonError.forbidden(action: "manage two-factor sign-in without a console session") }
        return id
    }

    public func status(by p: Principal) async throws -> TwoFactorStatus {
        let id = try Self.person(p)
        return try await ctx.db.read { [store] sql in
            let row = try await store.find(id, in: sql)
            let left = row?.enabledAt == nil ? 0 : try await store.unusedRecoveryCodes(id, in: sql)
            return TwoFactorStatus(enabled: row?.enabledAt != nil, enabledAt: row?.enabledAt.map(Date.init(epochMillis:)),
                                   pending: row != nil && row?.enabledAt == nil, recoveryCodesLeft: left,
                                   required: TwoFactorRules.required(for: p.role, requireForOperators: ctx.settings.requireOperatorTwoFactor))
        }
    }

    /// Starts enrolment with a new secret (replacing an unconfirmed one). Refused while two-factor is on: an admin
    /// resets it first, so a stolen session cannot swap the second factor.
    @discardableResult
    public func beginEnrolment(by p: Principal) async throws -> TwoFactorEnrolment {
        let id = try Self.person(p)
        let secret = TwoFactorRules.newSecret()
        let sealed = try ctx.cipher.seal(secret, context: Self.secretContext(id))
        let now = ctx.clock.now()
        try await ctx.db.transaction { [store, ctx] sql in
            if try await store.find(id, forUpdate: true, in: sql)?.enabledAt != nil { throw TwoFactorError.alreadyEnabled }
            try await store.savePending(id, secretEnc: sealed, at: now, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: p.merchantId, action: "two-factor.enrolment-started",
                                                  entity: "user", entityId: id.rawValue), in: sql)
        }
        return try await enrolment(by: p)!
    }

    /// The enrolment in progress (URI and typed secret), nil when none is.
    public func enrolment(by p: Principal) async throws -> TwoFactorEnrolment? {
        let id = try Self.person(p)
        guard let row = try await ctx.db.read({ [store] in try await store.find(id, in: $0) }), row.enabledAt == nil,
              let user = try await ctx.db.read({ [users] in try await users.find(id, scope: .operatorWide, in: $0) }) else { return nil }
        let secret = try ctx.cipher.open(row.secretEnc, context: Self.secretContext(id))
        return TwoFactorEnrolment(uri: TwoFactorRules.uri(secret: secret, account: user.email),
                                  secretGrouped: TwoFactorRules.grouped(TwoFactorRules.base32(secret: secret)))
    }

    /// Switches two-factor on after a first valid code; returns the recovery codes, which are shown this once.
    public func confirmEnrolment(code: String?, by p: Principal) async throws -> [String] {
        let id = try Self.person(p)
        guard case .totp(let digits) = TwoFactorRules.classify(code ?? "") else { throw TwoFactorError.codeFormat }
        let now = ctx.clock.now()
        let codes = TwoFactorRules.newRecoveryCodes()
        let hashes = codes.map { Self.recoveryHash(TwoFactorRules.classify($0).recoveryValue!, user: id, ctx.cipher) }
        try await ctx.db.transaction { [store, ctx] sql in
            guard let row = try await store.find(id, forUpdate: true, in: sql), row.enabledAt == nil else { throw TwoFactorError.noEnrolment }
            let secret = try ctx.cipher.open(row.secretEnc, context: Self.secretContext(id))
            guard case .accepted(let step) = TwoFactorRules.verify(digits, secret: secret, at: now, lastUsedStep: nil) else {
                throw TwoFactorError.wrongCode
            }
            try await store.enable(id, at: now, step: step, in: sql)
            try await store.replaceRecoveryCodes(id, hashes: hashes, at: now, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: p.merchantId, action: "two-factor.enabled",
                                                  entity: "user", entityId: id.rawValue, data: ["recoveryCodes": String(codes.count)]), in: sql)
        }
        return codes
    }

    /// New recovery codes; the old ones stop working.
    public func regenerateRecoveryCodes(by p: Principal) async throws -> [String] {
        let id = try Self.person(p)
        let now = ctx.clock.now()
        let codes = TwoFactorRules.newRecoveryCodes()
        let hashes = codes.map { Self.recoveryHash(TwoFactorRules.classify($0).recoveryValue!, user: id, ctx.cipher) }
        try await ctx.db.transaction { [store, ctx] sql in
            guard try await store.find(id, forUpdate: true, in: sql)?.enabledAt != nil else { throw TwoFactorError.notEnabled }
            try await store.replaceRecoveryCodes(id, hashes: hashes, at: now, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: p.merchantId, action: "two-factor.recovery-codes-regenerated",
                                                  entity: "user", entityId: id.rawValue), in: sql)
        }
        return codes
    }

    /// Users with two-factor on, for an operator admin's reset list (at most 200).
    public func holders(by p: Principal) async throws -> [TwoFactorHolder] {
        try p.require(.usersResetTwoFactor)
        return try await ctx.db.read { [store, users] sql in
            var out: [TwoFactorHolder] = []
            for (id, at) in try await store.enabledUsers(limit: 200, in: sql) {
                if let u = try await users.find(id, scope: p.scope, in: sql) { out.append(TwoFactorHolder(user: u, enabledAt: at)) }
            }
            return out
        }
    }

    /// An operator admin turns off another person's second factor (lost phone and codes): secret and codes deleted,
    /// that person's sessions ended; they set it up again at their next log-in. Never one's own this way.
    public func reset(_ userId: UserID, by p: Principal) async throws -> User {
        try p.require(.usersResetTwoFactor)
        try p.require(p.userId != userId, "reset your own two-factor sign-in (another operator admin does that)")
        let now = ctx.clock.now()
        return try await ctx.db.transaction { [store, users, ctx] sql in
            guard let u = try await users.find(userId, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "user", id: userId.rawValue) }
            guard try await store.find(userId, forUpdate: true, in: sql) != nil else { throw TwoFactorError.notEnabled }
            try await store.delete(userId, in: sql)
            try await SessionStore().deleteAll(userId: userId, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: u.merchantId, action: "two-factor.reset",
                                                  entity: "user", entityId: userId.rawValue, data: ["at": String(now.epochMillis)]), in: sql)
            return u
        }
    }
}

extension TwoFactorRules.Entry {
    var recoveryValue: String? { if case .recovery(let v) = self { v } else { nil } }
}

/// Two-factor failures, each naming the `code` field where a person typed something.
public enum TwoFactorError: AppError, Equatable {
    case codeFormat, wrongCode, noEnrolment, alreadyEnabled, notEnabled

    public var code: String {
        switch self {
        case .codeFormat: "code-format"
        case .wrongCode: "wrong-code"
        case .noEnrolment: "no-enrolment"
        case .alreadyEnabled: "two-factor-on"
        case .notEnabled: "two-factor-off"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .codeFormat, .wrongCode: .invalid
        case .noEnrolment, .alreadyEnabled, .notEnabled: .conflict
        }
    }

    public var title: LocalizedText { LocalizedText(en: "Two-factor sign-in", zh: "两步验证") }

    public var detail: LocalizedText {
        switch self {
        case .codeFormat: LocalizedText(en: "Enter the 6-digit code your app shows.", zh: "请输入验证器应用显示的 6 位数字验证码。")
        case .wrongCode: LocalizedText(en: "That code is not right. Check the time on your phone and enter the current code.",
                                       zh: "验证码不正确。请检查手机时间，并输入当前显示的验证码。")
        case .noEnrolment: LocalizedText(en: "Start the set-up first.", zh: "请先开始设置。")
        case .alreadyEnabled: LocalizedText(en: "Two-factor sign-in is already on.", zh: "两步验证已开启。")
        case .notEnabled: LocalizedText(en: "Two-factor sign-in is not on.", zh: "两步验证未开启。")
        }
    }

    public var fieldErrors: [FieldError] {
        switch self {
        case .codeFormat, .wrongCode: [FieldError(field: "code", code: code, message: detail)]
        default: []
        }
    }
}
