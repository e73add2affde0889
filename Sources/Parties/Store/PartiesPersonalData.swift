import Foundation
import Kernel
import SQLKit

/// The personal data Parties holds (PRV2, PRV3): people's console accounts, merchants' contact addresses and the legal
/// representative named in KYC files.
///
/// Retention: an active account is kept while it is in use; a disabled one `retention` after it was disabled (the
/// audit trail keeps only its id). A merchant's contact and KYC identity are kept `retention` after the store closes
/// (E-Commerce Law art. 31 keeps merchant identity information at least three years; C 4.11.2b), then anonymised.
public struct PartiesPersonalData: PersonalDataProvider {
    public let retention: TimeInterval
    public var module: String { "parties" }

    public init(retention: TimeInterval = 3 * 365 * 86_400) { self.retention = retention }

    static let erasedName = "Erased user"
    static func erasedEmail(_ id: String) -> String { "erased-\(id)@erased.invalid" }
    static let erasedText = "(erased)"
    static let accountPurpose = "console account (K3); kept while active, then for the audit trail"
    static let merchantPurpose = "merchant identity and contact; kept 3 years after the store closes (E-Commerce Law art. 31)"

    struct UserRow: Decodable {
        let id: String, merchantId: String?, email: String, displayName: String, role: String, language: String
        let disabled: Int64, createdAt: Int64, updatedAt: Int64
    }

    struct MerchantRow: Decodable {
        let id: String, name: String, contactEmail: String, status: String, closedAt: Int64?, createdAt: Int64
    }

    func users(_ s: DataSubject, in sql: any SQLDatabase) async throws -> [UserRow] {
        let q = sql.select().columns("id", "merchant_id", "email", "display_name", "role", "language", "disabled", "created_at", "updated_at")
            .from("users")
        let ids = s.userIds.map(\.rawValue)
        switch (s.normalisedEmail, ids.isEmpty) {
        case (nil, true): return []
        case (let email?, true): q.where("email", .equal, email)
        case (nil, false): q.where("id", .in, ids)
        case (let email?, false): q.where { $0.where("email", .equal, email).orWhere("id", .in, ids) }
        }
        return try await q.orderBy("id").limit(100).all(decoding: UserRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    func merchants(_ s: DataSubject, in sql: any SQLDatabase) async throws -> [MerchantRow] {
        guard let email = s.normalisedEmail else { return [] }
        return try await sql.select().columns("id", "name", "contact_email", "status", "closed_at", "created_at").from("merchants")
            .where(SQLFunction("lower", args: SQLIdentifier("contact_email")), .equal, SQLBind(email)).orderBy("id").limit(100)
            .all(decoding: MerchantRow.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    func accountRetainUntil(_ u: UserRow) -> Date? {
        u.disabled != 0 ? Date(epochMillis: u.updatedAt).addingTimeInterval(retention) : nil
    }

    func merchantRetainUntil(_ m: MerchantRow) -> Date? {
        m.closedAt.map { Date(epochMillis: $0).addingTimeInterval(retention) }
    }

    public func export(_ subject: DataSubject, in sql: any SQLDatabase) async throws -> [PersonalDataRecord] {
        let accounts = try await users(subject, in: sql).map { u in
            PersonalDataRecord(module: module, category: "user-account", entity: "user", entityId: u.id,
                               merchantId: u.merchantId.map(MerchantID.init(unchecked:)),
                               fields: ["email": u.email, "displayName": u.displayName, "role": u.role, "language": u.language,
                                        "disabled": String(u.disabled != 0)],
                               collectedAt: Date(epochMillis: u.createdAt), purpose: Self.accountPurpose, retainUntil: accountRetainUntil(u))
        }
        let contacts = try await merchants(subject, in: sql).map { m in
            PersonalDataRecord(module: module, category: "merchant-contact", entity: "merchant", entityId: m.id,
                               merchantId: MerchantID(unchecked: m.id), fields: ["contactEmail": m.contactEmail, "merchant": m.name],
                               collectedAt: Date(epochMillis: m.createdAt), purpose: Self.merchantPurpose, retainUntil: merchantRetainUntil(m))
        }
        return accounts + contacts
    }

    public func erase(_ subject: DataSubject, at now: Date, in sql: any SQLDatabase) async throws -> ErasureOutcome {
        var outcome = ErasureOutcome()
        for u in try await users(subject, in: sql) where u.email != Self.erasedEmail(u.id) {
            if u.disabled == 0 {
                // A live account is the person's own access: an admin disables it first (the person may still use it).
                outcome.kept.append(.init(entity: "user", entityId: u.id, until: nil,
                                          reason: LocalizedText(en: "The account is active; an administrator disables it first.",
                                                                zh: "该账号仍在使用，须先由管理员停用。")))
            } else {
                try await anonymiseUser(u.id, at: now, in: sql)
                outcome.erased.append("user:\(u.id)")
            }
        }
        for m in try await merchants(subject, in: sql) where !Self.isErased(m) {
            let until = merchantRetainUntil(m)
            if let until, until <= now {
                try await anonymiseMerchant(m.id, at: now, in: sql)
                outcome.erased.append("merchant:\(m.id)")
            } else {
                outcome.kept.append(.init(entity: "merchant", entityId: m.id, until: until,
                                          reason: LocalizedText(en: "Merchant identity and contact are kept for 3 years after the store closes (E-Commerce Law art. 31).",
                                                                zh: "依《电子商务法》第三十一条，商户身份与联系信息自店铺关闭起保存三年。")))
            }
        }
        return outcome
    }

    static func isErased(_ m: MerchantRow) -> Bool { m.contactEmail == erasedEmail(m.id) }

    public func enforceRetention(at now: Date, limit: Int, in sql: any SQLDatabase) async throws -> Int {
        let cutoff = now.addingTimeInterval(-retention).epochMillis
        let users = try await sql.select().column("id").from("users").where("disabled", .notEqual, Int64(0))
            .where("updated_at", .lessThan, cutoff).where("email", .notLike, "erased-%@erased.invalid")
            .orderBy("id").limit(limit).all().map { try $0.decode(column: "id", as: String.self) }
        for id in users { try await anonymiseUser(id, at: now, in: sql) }
        let merchants = try await sql.select().column("id").from("merchants").where("status", .equal, MerchantStatus.closed.rawValue)
            .where("closed_at", .lessThan, cutoff).where("contact_email", .notLike, "erased-%@erased.invalid")
            .orderBy("id").limit(max(0, limit - users.count)).all().map { try $0.decode(column: "id", as: String.self) }
        for id in merchants { try await anonymiseMerchant(id, at: now, in: sql) }
        return users.count + merchants.count
    }

    /// Name and address gone, the row kept: audit entries and records made by the person still resolve to an id.
    func anonymiseUser(_ id: String, at now: Date, in sql: any SQLDatabase) async throws {
        try await sql.update("users").set("display_name", to: Self.erasedName).set("email", to: Self.erasedEmail(id))
            .set("password_hash", to: "!").set("disabled", to: Int64(1)).set("updated_at", to: now.epochMillis)
            .where("id", .equal, id).run()
        try await SessionStore().deleteAll(userId: UserID(unchecked: id), in: sql)
        try await TwoFactorStore().delete(UserID(unchecked: id), in: sql)
        _ = try await APIKeyStore().revokeAll(ownedBy: UserID(unchecked: id), at: now, in: sql)
    }

    /// The contact address and the legal representative's name and address in every KYC file; the company's
    /// registered identity (name, encrypted registration number) is the business's, not a person's.
    func anonymiseMerchant(_ id: String, at now: Date, in sql: any SQLDatabase) async throws {
        try await sql.update("merchants").set("contact_email", to: Self.erasedEmail(id)).set("updated_at", to: now.epochMillis)
            .where("id", .equal, id).run()
        try await sql.update("kyc_submissions").set("legal_representative", to: Self.erasedText).set("address", to: Self.erasedText)
            .set("updated_at", to: now.epochMillis).where("merchant_id", .equal, id).run()
    }
}
