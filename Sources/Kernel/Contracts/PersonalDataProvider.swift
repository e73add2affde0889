import Foundation
import SQLKit

/// The person a data-subject request (PRV2) is about, as the platform can find them: the e-mail address they gave
/// and their user accounts. Buyers (orders) will add a phone number and an identity-document number.
public struct DataSubject: Sendable, Equatable {
    public var email: String?
    public var userIds: [UserID]

    public init(email: String? = nil, userIds: [UserID] = []) {
        self.email = email; self.userIds = userIds
    }

    /// Addresses compare case-insensitively and without surrounding blanks.
    public var normalisedEmail: String? {
        email.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
    }

    public var isEmpty: Bool { normalisedEmail == nil && userIds.isEmpty }
}

/// One record of personal data a module holds, in the clear. This is what the subject receives (PRV2), so it is
/// never written to logs, the audit trail or an idempotency record.
public struct PersonalDataRecord: Sendable, Equatable, Encodable {
    /// `parties`, `notifications`, …
    public let module: String
    /// `user-account`, `merchant-contact`, `notification`, …
    public let category: String
    public let entity: String
    public let entityId: String
    public let merchantId: MerchantID?
    public let fields: [String: String]
    public let collectedAt: Date
    /// Why it is kept (the account, a legal retention duty …).
    public let purpose: String
    /// When it is erased at the latest (PRV3); nil while the relationship that needs it lasts.
    public let retainUntil: Date?

    public init(module: String, category: String, entity: String, entityId: String, merchantId: MerchantID?,
                fields: [String: String], collectedAt: Date, purpose: String, retainUntil: Date?) {
        self.module = module; self.category = category; self.entity = entity; self.entityId = entityId
        self.merchantId = merchantId; self.fields = fields; self.collectedAt = collectedAt; self.purpose = purpose
        self.retainUntil = retainUntil
    }
}

/// What an erasure request did: the records erased or anonymised, and those a rule says to keep, until when and why.
public struct ErasureOutcome: Sendable, Equatable {
    public struct Kept: Sendable, Equatable {
        public let entity: String
        public let entityId: String
        public let until: Date?
        public let reason: LocalizedText
        public init(entity: String, entityId: String, until: Date?, reason: LocalizedText) {
            self.entity = entity; self.entityId = entityId; self.until = until; self.reason = reason
        }
    }

    /// `entity:id` of every record erased or anonymised.
    public var erased: [String]
    public var kept: [Kept]

    public init(erased: [String] = [], kept: [Kept] = []) { self.erased = erased; self.kept = kept }

    public static func + (l: Self, r: Self) -> Self { Self(erased: l.erased + r.erased, kept: l.kept + r.kept) }
}

/// Personal data a module holds (issue 11 item 3; PRV2, PRV3). Each module that stores data about people implements
/// it over its own tables; Kernel's `PersonalDataRegistry` asks them all, so a data-subject request or the retention
/// sweep never reads another module's tables. Every method runs in the caller's transaction.
public protocol PersonalDataProvider: Sendable {
    var module: String { get }
    /// Everything held about the subject, in the clear.
    func export(_ subject: DataSubject, in sql: any SQLDatabase) async throws -> [PersonalDataRecord]
    /// Erases or anonymises what no rule requires to keep; reports what is kept.
    func erase(_ subject: DataSubject, at now: Date, in sql: any SQLDatabase) async throws -> ErasureOutcome
    /// Anonymises at most `limit` records whose retention ended before `now`; returns how many (PRV3).
    func enforceRetention(at now: Date, limit: Int, in sql: any SQLDatabase) async throws -> Int
}
