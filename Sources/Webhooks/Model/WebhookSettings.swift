import Foundation

/// How webhooks behave; the app sets them from its configuration.
public struct WebhookSettings: Sendable {
    /// `http` and non-public addresses allowed (tests, the local demo). Off in production (SSRF).
    public var allowPrivateNetworks = false
    /// Every event type merchants may subscribe to (each module publishing events contributes its own).
    public var eventTypes: [String] = []
    /// Time to set up the TCP (and TLS) connection.
    public var connectTimeout: TimeInterval = 5
    /// Time for the whole exchange, answer included; a receiver that takes longer counts as failed (and is retried).
    public var requestTimeout: TimeInterval = 10
    /// Attempts per delivery before it is dead-lettered (the job queue's backoff spaces them out).
    public var maxAttempts = 8
    public var userAgent = "Tradelane-Webhooks/1"
    /// Days the delivery log and the events behind it are kept.
    public var retentionDays = 30

    public init(allowPrivateNetworks: Bool = false, eventTypes: [String] = []) {
        self.allowPrivateNetworks = allowPrivateNetworks; self.eventTypes = eventTypes
    }

    public var urlPolicy: WebhookURLPolicy { WebhookURLPolicy(allowPrivateNetworks: allowPrivateNetworks) }
}
