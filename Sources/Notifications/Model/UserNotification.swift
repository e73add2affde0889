import Foundation
import Kernel

public enum NotificationKind: IDKind { public static let prefix = "ntf" }
public typealias NotificationID = PrefixedID<NotificationKind>

/// One notification to one user on one channel (issue 11 item 7, K7): the console inbox always, e-mail too when the
/// user has an address and SMTP is configured. The text is rendered once, in the user's language, when it is
/// recorded; delivery (e-mail) follows from the job queue.
public struct UserNotification: Sendable, Equatable {
    public enum Channel: String, Sendable, Codable, CaseIterable {
        case inbox, email
        /// Reserved: merchants' systems hear about events through signed webhooks (issue 11 item 6), not here.
        case webhook
    }

    public enum State: String, Sendable, Codable, CaseIterable {
        /// Waiting for (another) delivery attempt.
        case pending
        /// Delivered: accepted by the SMTP server, or shown in the inbox.
        case sent
        /// The last attempt failed; it is retried with backoff.
        case failed
        /// Out of attempts, or refused for good (SMTP 5xx): kept with its last error.
        case dead
    }

    public let id: NotificationID
    public let userId: UserID
    /// The merchant the recipient belongs to (nil for operator users): the tenant wall of the inbox.
    public let merchantId: MerchantID?
    public let channel: Channel
    public let language: Language
    public let template: String
    /// Only the parameters the template uses (anything else given is dropped, never stored or sent).
    public let params: [String: String]
    public let subject: String
    public let body: String
    public let entity: String?
    public let entityId: String?
    /// Console path of the record it is about, when there is a page for it.
    public let link: String?
    public var state: State
    /// Inbox only: nil while unread.
    public var readAt: Date?
    public var attempts: Int
    public var lastError: String?
    public let dedupeKey: String?
    public let createdAt: Date
    public var updatedAt: Date
    public var sentAt: Date?

    public var isRead: Bool { readAt != nil }
}

/// Console pages for the records notifications talk about (nil when there is none).
public enum EntityLink {
    public static func path(entity: String?, id: String?) -> String? {
        guard let entity else { return nil }
        let enc = id?.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["_", "-"])) ?? ""
        switch entity {
        case "takedown", "takedown-case": return "/console/takedowns"
        case "listing": return "/console/listings"
        case "kyc", "kyc-submission": return "/console/kyc"
        case "merchant": return enc.isEmpty ? "/console/merchants" : "/console/merchants/\(enc)"
        case "penalty": return "/console/penalties"
        case "certification": return "/console/certifications"
        case "job": return "/console/jobs"
        default: return nil
        }
    }
}

/// Bounds on what a caller may ask to send (every input bounded).
public enum NotificationLimits {
    public static let maxRecipients = 20
    public static let maxParams = 30
    public static let maxParamLength = 500
    public static let maxTemplateLength = 100
    public static let maxDedupeKeyLength = 200
}
