import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport
@testable import Webhooks

/// Issue 11 item 6: events published through the outbox reach merchants' receivers signed, once per endpoint, with
/// retries and a delivery log; rolled-back changes and other tenants' events never arrive.
@Suite struct DeliveryTests {
    /// Why a receiver would refuse the delivery (nil: it accepts it).
    static func failure(_ header: String, _ body: Data, _ secret: String, _ now: Date) -> WebhookSignature.Failure? {
        do {
            try WebhookSignature.verify(header: header, body: body, secret: secret, now: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func deliveryIsSignedWithTheEndpointSecretAndCarriesTheEvent() async throws {
        try await WebhooksHarness.with { h in
            let (_, secret) = try await h.endpoint("/a")
            let event = try await h.publish()
            #expect(try await h.runner.drain() == 1)
            let got = try #require(h.receiver.received(path: "/a").first)
            #expect(got.method == "POST" && h.receiver.received.count == 1)
            #expect(got.headers["tradelane-event-id"] == event.id.rawValue && got.headers["tradelane-event-type"] == "listing.taken-down")
            #expect(got.headers["user-agent"]?.hasPrefix("Tradelane-Webhooks/") == true)
            #expect(got.headers["content-type"] == "application/json")
            let header = try #require(got.headers["tradelane-signature"])
            #expect(header.hasPrefix("t=\(Int(h.clock.now().timeIntervalSince1970)),v1="))
            try WebhookSignature.verify(header: header, body: got.body, secret: secret, now: h.clock.now())
            // The receiver's checks fail for a wrong secret, a changed body, and outside the 5-minute window.
            #expect(Self.failure(header, got.body, WebhookSecret.generate(), h.clock.now()) == .noMatch)
            #expect(Self.failure(header, got.body + Data(" ".utf8), secret, h.clock.now()) == .noMatch)
            #expect(Self.failure(header, got.body, secret, h.clock.now().addingTimeInterval(301)) == .outsideTolerance)
            #expect(Self.failure(header, got.body, secret, h.clock.now().addingTimeInterval(299)) == nil)
            let json = try #require(try JSONSerialization.jsonObject(with: got.body) as? [String: Any])
            #expect(Set(json.keys) == ["id", "type", "createdAt", "merchantId", "entity", "entityId", "data"])
            #expect(json["id"] as? String == event.id.rawValue && json["merchantId"] as? String == "mer_a" && json["entityId"] as? String == "lst_1")
            #expect((json["data"] as? [String: Any])?["status"] as? String == "taken-down")
        }
    }

    @Test func aReceiverAnswering500GetsTheEventOnRetryAndOneDeliveryIsLogged() async throws {
        try await WebhooksHarness.with { h in
            let (e, _) = try await h.endpoint("/a")
            h.receiver.script("/a", [.status(500)])
            let event = try await h.publish()
            #expect(try await h.runner.drain() == 1)
            let jobs = try await h.jobs.list(status: .failed, kind: WebhookJobs.deliver, limit: 10)
            #expect(jobs.count == 1 && jobs[0].lastError?.contains("HTTP 500") == true)
            // Not due before its backoff; due after it.
            #expect(try await h.runner.drain() == 0)
            h.clock.advance(by: 3600)
            #expect(try await h.runner.drain() == 1)
            let log = try await h.deliveries(e)
            #expect(log.count == 2)
            #expect(log.filter { $0.outcome == .delivered }.count == 1)
            let failed = try #require(log.first { $0.outcome == .failed })
            #expect(failed.httpStatus == 500 && failed.responseExcerpt == "error 500" && failed.attempt == 1 && failed.eventId == event.id.rawValue)
            let delivered = try #require(log.first { $0.outcome == .delivered })
            #expect(delivered.httpStatus == 200 && delivered.attempt == 2 && delivered.latencyMs >= 0)
            #expect(h.receiver.received(path: "/a").map { $0.headers["tradelane-event-id"] } == [event.id.rawValue, event.id.rawValue])
            #expect(try await h.jobs.list(status: .done, kind: WebhookJobs.deliver, limit: 10).count == 1)
        }
    }

    @Test func deliveriesThatKeepFailingAreDeadLettered() async throws {
        try await WebhooksHarness.with { h in
            let (e, _) = try await h.endpoint("/down")
            h.receiver.always("/down", .status(503))
            try await h.publish()
            for _ in 0..<3 {
                try await h.runner.drain()
                h.clock.advance(by: 7200)
            }
            #expect(try await h.jobs.list(status: .dead, kind: WebhookJobs.deliver, limit: 10).count == 1)
            #expect(try await h.deliveries(e).map(\.outcome) == [.failed, .failed, .failed])
            #expect(try await h.runner.drain() == 0)
        }
    }

    @Test func aHangingReceiverTimesOutAndOtherDeliveriesStillGoThrough() async throws {
        try await WebhooksHarness.with(timeout: 1) { h in
            let (slow, _) = try await h.endpoint("/slow")
            let (fast, _) = try await h.endpoint("/fast")
            h.receiver.always("/slow", .hang)
            try await h.publish()
            #expect(try await h.runner.drain() == 2)
            #expect(try await h.deliveries(fast).map(\.outcome) == [.delivered])
            let timedOut = try #require(try await h.deliveries(slow).first)
            #expect(timedOut.outcome == .failed && timedOut.httpStatus == nil && timedOut.error?.contains("timed out") == true)
            // It waited for the 1 s timeout, and no longer than a bounded margin (the receiver never answers).
            #expect(timedOut.latencyMs >= 900 && timedOut.latencyMs < 6000, "\(timedOut.latencyMs) ms")
            #expect(try await h.jobs.list(status: .failed, kind: WebhookJobs.deliver, limit: 10).count == 1)
        }
    }

    @Test func anEventPublishedInARolledBackTransactionIsNeverDelivered() async throws {
        try await WebhooksHarness.with { h in
            try await h.endpoint("/a")
            let event = DomainEvent(type: "listing.taken-down", merchantId: "mer_a", entity: "listing", entityId: "lst_x", occurredAt: h.clock.now())
            var aborted = false
            do { try await h.publish(event, thenFail: true) } catch is WebhooksHarness.Abort { aborted = true }
            #expect(aborted)
            #expect(try await h.runner.drain() == 0)
            #expect(h.receiver.received.isEmpty)
            let rows = try await h.db.read { try await $0.select().column("id").from("domain_events").all() }
            #expect(rows.isEmpty)
            // The control: the same event committed is delivered.
            try await h.publish(event)
            #expect(try await h.runner.drain() == 1 && h.receiver.received.count == 1)
        }
    }

    @Test func merchantBsEndpointNeverReceivesMerchantAsEvents() async throws {
        try await WebhooksHarness.with { h in
            let (a, _) = try await h.endpoint("/a")
            let (b, _) = try await h.endpoint("/b", by: WebhooksHarness.adminB)
            let (platform, _) = try await h.service.create(WebhookEndpointInput(url: h.receiver.url("/platform"), events: ["*"]),
                                                          by: WebhooksHarness.operatorAdmin)
            #expect(platform.merchantId == nil)
            let eventA = try await h.publish(merchant: "mer_a")
            let eventB = try await h.publish(merchant: "mer_b", entityId: "lst_b")
            let platformEvent = try await h.publish("order.paid", merchant: nil, entityId: "x")
            try await h.runner.drain()
            #expect(h.receiver.received(path: "/a").map { $0.headers["tradelane-event-id"] } == [eventA.id.rawValue])
            #expect(h.receiver.received(path: "/b").map { $0.headers["tradelane-event-id"] } == [eventB.id.rawValue])
            #expect(h.receiver.received(path: "/platform").map { $0.headers["tradelane-event-id"] } == [platformEvent.id.rawValue])
            let logA = try await h.deliveries(a), logB = try await h.deliveries(b)
            #expect(logA.count == 1 && logB.count == 1)
            // B cannot have A's event resent to its endpoint either.
            await #expect(throws: CommonError.notFound(entity: "event", id: eventA.id.rawValue)) {
                try await h.service.resend(b.id.rawValue, eventId: eventA.id.rawValue, by: WebhooksHarness.adminB)
            }
        }
    }

    @Test func publishingTheSameEventTwiceDeliversItOnceAndOnlySubscribedEnabledEndpointsGetIt() async throws {
        try await WebhooksHarness.with { h in
            try await h.endpoint("/all")
            try await h.endpoint("/orders", events: ["order.paid"])
            let (off, _) = try await h.endpoint("/off")
            _ = try await h.service.update(off.id.rawValue, WebhookEndpointInput(enabled: false), by: WebhooksHarness.adminA)
            let event = try await h.publish()
            try await h.publish(event)
            try await h.runner.drain()
            #expect(h.receiver.received.map(\.path) == ["/all"])
        }
    }

    @Test func resendAndPingQueueNewDeliveriesAndAreAudited() async throws {
        try await WebhooksHarness.with { h in
            let (e, _) = try await h.endpoint("/a", events: ["order.paid"])
            let event = try await h.publish("order.paid")
            try await h.runner.drain()
            let resent = try await h.service.resend(e.id.rawValue, eventId: event.id.rawValue, by: WebhooksHarness.adminA)
            #expect(resent.id == event.id)
            let ping = try await h.service.ping(e.id.rawValue, by: WebhooksHarness.adminA)
            #expect(ping.type == WebhookEventTypes.ping)
            try await h.runner.drain()
            let log = try await h.deliveries(e)
            #expect(Set(log.map(\.trigger)) == [.event, .resend, .ping] && log.allSatisfy { $0.outcome == .delivered })
            #expect(h.receiver.received(path: "/a").compactMap { $0.headers["tradelane-event-type"] }.sorted() == ["order.paid", "order.paid", "webhook.ping"])
            let actions = try await AuditLog.recent(h.db, merchantId: "mer_a", limit: 20).map(\.action)
            #expect(actions.contains("webhook.resent") && actions.contains("webhook.pinged") && actions.contains("webhook.created"))
        }
    }

    @Test func answersAreCappedAt1KiBAndRedirectsAreNotFollowed() async throws {
        try await WebhooksHarness.with { h in
            let (big, _) = try await h.endpoint("/big")
            let (moved, _) = try await h.endpoint("/moved")
            h.receiver.always("/big", .answer(200, body: String(repeating: "x", count: 5000)))
            h.receiver.always("/moved", .answer(302, body: "see /elsewhere"))
            try await h.publish()
            try await h.runner.drain()
            #expect(try await h.deliveries(big).first?.responseExcerpt.utf8.count == 1024)
            let redirected = try #require(try await h.deliveries(moved).first)
            #expect(redirected.outcome == .failed && redirected.httpStatus == 302)
            #expect(h.receiver.received(path: "/elsewhere").isEmpty)
        }
    }

    @Test func deliveryLogPagesWithACursor() async throws {
        try await WebhooksHarness.with { h in
            let (e, _) = try await h.endpoint("/a")
            for i in 0..<5 {
                try await h.publish(entityId: "lst_\(i)")
                h.clock.advance(by: 1)
            }
            try await h.runner.drain()
            let first = try await h.service.deliveries(e.id.rawValue, limit: 2, by: WebhooksHarness.adminA)
            let second = try await h.service.deliveries(e.id.rawValue, limit: 2, after: first.next, by: WebhooksHarness.adminA)
            let third = try await h.service.deliveries(e.id.rawValue, limit: 2, after: second.next, by: WebhooksHarness.adminA)
            let seen = (first.0 + second.0 + third.0).map(\.id.rawValue)
            let pages = [first.next, second.next, third.next].filter { $0 != nil }.count + 1
            #expect(pages == 3 && seen.count == 5 && Set(seen).count == 5)
        }
    }

    @Test func theDeliveryTimeCheckRefusesNonPublicAddressesWhenNotAllowed() async throws {
        try await WebhooksHarness.with { h in
            var settings = WebhookSettings(allowPrivateNetworks: false)
            settings.requestTimeout = 2
            let result = await HTTPWebhookTransport().post(url: h.receiver.url("/a"), headers: [], body: Data("{}".utf8), settings: settings)
            #expect(result.status == nil && result.error?.contains("refused") == true)
            let byName = await HTTPWebhookTransport().post(url: "http://localhost:\(h.receiver.port)/a", headers: [], body: Data(), settings: settings)
            #expect(byName.status == nil && byName.error?.contains("refused") == true)
            #expect(h.receiver.received.isEmpty)
            // The control: allowed, the same request arrives.
            settings.allowPrivateNetworks = true
            #expect(await HTTPWebhookTransport().post(url: h.receiver.url("/a"), headers: [], body: Data("{}".utf8), settings: settings).status == 200)
        }
    }

    @Test func theLogAndItsEventsArePrunedAfterTheRetentionPeriod() async throws {
        try await WebhooksHarness.with { h in
            let (e, _) = try await h.endpoint("/a")
            let old = try await h.publish(entityId: "lst_old")
            try await h.runner.drain()
            h.clock.advance(by: 29 * 86400)
            let recent = try await h.publish(entityId: "lst_new")
            try await h.runner.drain()
            h.clock.advance(by: 2 * 86400)   // the first is 31 days old, the second 2
            try await h.jobs.schedule(WebhookJobs.prune)
            h.clock.advance(by: 3600)
            #expect(try await h.runner.drain() == 1)
            #expect(try await h.deliveries(e).map(\.eventId) == [recent.id.rawValue])
            await #expect(throws: CommonError.notFound(entity: "event", id: old.id.rawValue)) {
                try await h.service.resend(e.id.rawValue, eventId: old.id.rawValue, by: WebhooksHarness.adminA)
            }
            _ = try await h.service.resend(e.id.rawValue, eventId: recent.id.rawValue, by: WebhooksHarness.adminA)
        }
    }
}
