import SQLKit

/// A person a notification can reach: what the notification module needs to know about a user, and no more.
public struct DirectoryUser: Sendable, Equatable {
    /// `usr_…`
    public let id: UserID
    public let displayName: String
    /// Empty when the user has no e-mail address (then only the console inbox reaches them).
    public let email: String
    /// The language the user reads the console in (K7).
    public let language: Language
    public let role: Role
    /// Nil for operator users.
    public let merchantId: MerchantID?

    public init(id: UserID, displayName: String, email: String, language: Language, role: Role, merchantId: MerchantID?) {
        self.id = id; self.displayName = displayName; self.email = email; self.language = language; self.role = role
        self.merchantId = merchantId
    }
}

/// Who is behind a `NotificationRecipient` today (issue 11 item 7). Parties owns users and implements it; the
/// notification module asks through it, so it never imports Parties.
///
/// Tenant wall: a role with a merchant id resolves that merchant's users only; an operator role resolves operator
/// users only (never a merchant's); a merchant role without a merchant id resolves nobody (no broadcast across
/// tenants by accident). Disabled users are never returned.
public protocol UserDirectory: Sendable {
    func resolve(_ recipient: NotificationRecipient, in sql: any SQLDatabase) async throws -> [DirectoryUser]
}
