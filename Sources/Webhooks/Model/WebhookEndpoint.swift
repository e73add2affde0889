import Foundation
import Kernel

public enum WebhookEndpointKind: IDKind { public static let prefix = "whe" }
public typealias WebhookEndpointID = PrefixedID<WebhookEndpointKind>
public enum WebhookDeliveryKind: IDKind { public static let prefix = "whd" }
public typealias WebhookDeliveryID = PrefixedID<WebhookDeliveryKind>

/// A merchant's receiver of domain events (issue 11 item 6; seed 004: independent sites hear about listings, orders,
/// shipments, refunds). `merchantId` nil: a platform endpoint (operator), which receives only platform-wide events.
public struct WebhookEndpoint: Sendable, Equatable {
    public let id: WebhookEndpointID
    public let merchantId: MerchantID?
    public var url: String
    /// Event types subscribed to, or `["*"]` for all.
    public var events: [String]
    public var description: String
    public var enabled: Bool
    public let createdBy: String
    public let createdAt: Date
    public var updatedAt: Date

    /// Whether an event of `type` goes to this endpoint (the ping goes wherever it is sent).
    public func subscribes(to type: String) -> Bool {
        events.contains(WebhookEventTypes.all) || events.contains(type)
    }
}

/// One attempt to deliver one event to one endpoint: what the receiver answered and how long it took.
public struct WebhookDelivery: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable, CaseIterable { case delivered, failed }
    /// Why the delivery was made: the event itself, an operator's or merchant's resend, or a test ping.
    public enum Trigger: String, Sendable, Codable, CaseIterable { case event, resend, ping }

    public let id: WebhookDeliveryID
    public let endpointId: String
    public let merchantId: MerchantID?
    public let eventId: String
    public let eventType: String
    public let trigger: Trigger
    /// The job's attempt number (1 for the first).
    public let attempt: Int
    public let attemptedAt: Date
    public let outcome: Outcome
    public let httpStatus: Int?
    public let error: String?
    public let latencyMs: Int
    /// The start of the receiver's answer, at most `WebhookLimits.excerptBytes` bytes.
    public let responseExcerpt: String
}

/// Bounds on what a merchant may register and on what is kept of an answer.
public enum WebhookLimits {
    public static let endpointsPerMerchant = 10
    public static let urlLength = 2000
    public static let descriptionLength = 500
    public static let eventTypes = 50
    public static let excerptBytes = 1024
    public static let errorLength = 500
}

/// Event type names: `*` subscribes to every type; `webhook.ping` is the test event an endpoint's owner sends.
public enum WebhookEventTypes {
    public static let all = "*"
    public static let ping = "webhook.ping"
}
