import Foundation
import Kernel
import Logging
import SQLKit

public enum WebhookJobs {
    public static let deliver = "webhooks.deliver"
    /// Drops delivery-log rows and events past the retention period, a bounded batch per run.
    public static let prune = RecurringJob(kind: "webhooks.prune", every: 3600)
    /// Rows deleted per table per run: a backlog clears over a few runs instead of in one long transaction.
    static let pruneBatch = 5000
}

/// Keeps the delivery log and the event outbox to `WebhookSettings.retentionDays` (a resend needs the event, so
/// events live as long as the log that shows them).
struct WebhookPruner: Sendable {
    let clock: any WallClock
    let settings: WebhookSettings

    var handler: JobHandler {
        JobHandler(kind: WebhookJobs.prune.kind, lease: 300) { _, sql in _ = try await prune(in: sql) }
    }

    func prune(in sql: any SQLDatabase) async throws -> (deliveries: Int, events: Int) {
        let cutoff = clock.now().addingTimeInterval(-Double(settings.retentionDays) * 86400).epochMillis
        let deliveries = try await sql.raw("""
            DELETE FROM webhook_deliveries WHERE id IN (
                SELECT id FROM webhook_deliveries WHERE attempted_at < \(bind: cutoff) LIMIT \(literal: WebhookJobs.pruneBatch))
            RETURNING id
            """).all().count
        let events = try await sql.raw("""
            DELETE FROM domain_events WHERE id IN (
                SELECT id FROM domain_events WHERE occurred_at < \(bind: cutoff) LIMIT \(literal: WebhookJobs.pruneBatch))
            RETURNING id
            """).all().count
        return (deliveries, events)
    }
}

/// A delivery attempt that did not get a 2xx answer: the job queue retries it with backoff, then dead-letters it.
public struct WebhookDeliveryFailed: Error, CustomStringConvertible {
    public let endpointId: String
    public let reason: String
    public var description: String { "webhook to \(endpointId) failed: \(reason)" }
}

/// Runs `webhooks.deliver` jobs: signs the event's body with the endpoint's secret, POSTs it, logs the attempt and
/// throws on anything but 2xx. Runs outside a transaction (the receiver is an outside effect; delivery is at least
/// once, receivers dedupe on `Tradelane-Event-Id`). Every exchange is bounded by the request timeout, so a receiver
/// that hangs costs one timeout and the worker goes on to other jobs.
struct WebhookDeliverer: Sendable {
    let db: Database
    let clock: any WallClock
    let cipher: FieldCipher
    let settings: WebhookSettings
    let transport: any WebhookTransport
    let store = WebhookStore()
    let events = EventStore()

    var handler: JobHandler {
        // The lease outlasts the longest exchange, so no second worker starts the same attempt meanwhile.
        JobHandler(kind: WebhookJobs.deliver, mode: .outsideTransaction, lease: settings.requestTimeout + settings.connectTimeout + 60) { job, sql in
            try await deliver(job, sql)
        }
    }

    func deliver(_ job: Job, _ sql: any SQLDatabase) async throws {
        let task = try job.decode(DeliveryJob.self)
        // A deleted endpoint or event leaves nothing to do; the job completes.
        guard let endpoint = try await store.find(task.endpointId, scope: .operatorWide, in: sql),
              let event = try await events.find(task.eventId, scope: .operatorWide, in: sql),
              let sealed = try await store.sealedSecret(task.endpointId, in: sql) else { return }
        // The tenant wall, checked again where the bytes leave: an event goes only to its own merchant's endpoints.
        guard endpoint.merchantId == event.merchantId else { return }
        // Disabled after the event was queued: not sent (a resend or a ping is an explicit request and still goes).
        if task.trigger == .event && !endpoint.enabled { return }
        let secret = try cipher.open(sealed, context: WebhookSecret.sealContext(endpoint.id))
        let body = WebhookPayload.body(event)
        let now = clock.now()
        let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
        let headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", settings.userAgent),
            (WebhookSignature.header, WebhookSignature.sign(body: body, secret: secret, timestamp: timestamp)),
            ("Tradelane-Event-Id", event.id.rawValue),
            ("Tradelane-Event-Type", event.type),
            ("Tradelane-Delivery-Attempt", String(job.attempts)),
        ]
        let result = await transport.post(url: endpoint.url, headers: headers, body: body, settings: settings)
        let delivered = result.status.map { (200..<300).contains($0) } ?? false
        let delivery = WebhookDelivery(id: .generate(), endpointId: endpoint.id.rawValue, merchantId: endpoint.merchantId, eventId: event.id.rawValue,
                                       eventType: event.type, trigger: task.trigger, attempt: job.attempts, attemptedAt: now,
                                       outcome: delivered ? .delivered : .failed, httpStatus: result.status,
                                       error: result.error.map { String($0.prefix(WebhookLimits.errorLength)) },
                                       latencyMs: result.latencyMs, responseExcerpt: result.excerpt)
        try await db.transaction { [store] in try await store.insert(delivery, in: $0) }
        guard delivered else {
            throw WebhookDeliveryFailed(endpointId: endpoint.id.rawValue, reason: result.error ?? "HTTP \(result.status ?? 0)")
        }
    }
}
