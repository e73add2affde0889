import Foundation
import Kernel
import SQLKit

/// Kernel's `EventPublisher` for the app: writes the event to `domain_events` and enqueues one delivery job per
/// subscribed, enabled endpoint of the event's own tenant, all in the caller's transaction. A rolled-back change
/// therefore never delivers, a committed one always does (at least once), and the dedupe key (event, endpoint) makes
/// a publish that runs twice enqueue nothing new.
public struct WebhookPublisher: EventPublisher {
    let clock: any WallClock
    let jobs: JobQueue
    let settings: WebhookSettings
    let store = WebhookStore()
    let events = EventStore()

    public init(clock: any WallClock, jobs: JobQueue, settings: WebhookSettings) {
        self.clock = clock; self.jobs = jobs; self.settings = settings
    }

    public func publish(_ event: DomainEvent, in sql: any SQLDatabase) async throws {
        try await events.insert(event, at: clock.now(), in: sql)
        for endpoint in try await store.enabled(merchantId: event.merchantId, in: sql) where endpoint.subscribes(to: event.type) {
            try await enqueue(event.id, to: endpoint.id, trigger: .event, dedupeKey: "webhook:\(event.id):\(endpoint.id)", in: sql)
        }
    }

    /// One delivery of an event to an endpoint (also a resend or a ping, which carry no dedupe key: each is asked for).
    func enqueue(_ eventId: EventID, to endpointId: WebhookEndpointID, trigger: WebhookDelivery.Trigger, dedupeKey: String?,
                 in sql: any SQLDatabase) async throws {
        try await jobs.enqueue(kind: WebhookJobs.deliver, DeliveryJob(eventId: eventId.rawValue, endpointId: endpointId.rawValue, trigger: trigger),
                               maxAttempts: settings.maxAttempts, dedupeKey: dedupeKey, in: sql)
    }
}

/// The payload of a `webhooks.deliver` job: ids only, never the secret or the body.
struct DeliveryJob: Codable, Sendable {
    let eventId: String
    let endpointId: String
    let trigger: WebhookDelivery.Trigger
}
