import Foundation
import SQLKit

/// Who a notification is for (issue 11 item 7). Modules name people by role, not by address: the notification module
/// resolves the role to today's users (and their language and e-mail) when it sends.
public enum NotificationRecipient: Sendable, Equatable, Codable {
    /// One user (`usr_…`).
    case user(UserID)
    /// Every active user with this role; with a merchant id, that merchant's users only.
    case role(Role, merchantId: MerchantID?)
}

/// A request to tell people something: an SLA clock breached, a takedown decided, a KYC review needed. The template
/// names a text kept per language by the notification module; `params` fill it in. Never secrets in params.
public struct NotificationRequest: Sendable, Equatable, Codable {
    public var recipients: [NotificationRecipient]
    /// `deadline.breached`, `takedown.decided`, …
    public var template: String
    public var params: [String: String]
    /// The merchant the subject belongs to (tenant wall: a merchant's users only hear about their own records).
    public var merchantId: MerchantID?
    /// The record it is about, for the link in the inbox and the e-mail.
    public var entity: String?
    public var entityId: String?
    /// Sending the same key again is a no-op (an escalation is announced once per breach).
    public var dedupeKey: String?
    /// Values only the recipient's e-mail may carry (an invitation link): stored sealed, sent by e-mail, and shown in
    /// the inbox as "sent by e-mail". The only place a secret may travel through a notification.
    public var secretParams: [String: String]?

    public init(recipients: [NotificationRecipient], template: String, params: [String: String] = [:], merchantId: MerchantID? = nil,
                entity: String? = nil, entityId: String? = nil, dedupeKey: String? = nil, secretParams: [String: String]? = nil) {
        self.recipients = recipients; self.template = template; self.params = params; self.merchantId = merchantId
        self.entity = entity; self.entityId = entityId; self.dedupeKey = dedupeKey; self.secretParams = secretParams
    }
}

/// Records notifications in the caller's transaction; delivery (e-mail, webhook, console inbox) follows from the job
/// queue, at least once, so a rolled-back change announces nothing and a committed one is never forgotten.
public protocol Notifier: Sendable {
    func notify(_ request: NotificationRequest, in sql: any SQLDatabase) async throws
}
