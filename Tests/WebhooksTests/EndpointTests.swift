import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport
@testable import Webhooks

/// Who may manage endpoints, what they may register (SSRF, bounds), and the secret kept sealed.
@Suite struct EndpointTests {
    @Test func onlyAdminsManageEndpointsAndOtherTenantsSeeNothing() async throws {
        try await WebhooksHarness.with { h in
            let (e, _) = try await h.endpoint("/a")
            let id = e.id.rawValue
            let s = h.service
            for weaker in [WebhooksHarness.staffA, WebhooksHarness.officer] {
                await #expect(throws: CommonError.denied(.webhooksManage, role: weaker.role)) { _ = try await s.list(by: weaker) }
                await #expect(throws: CommonError.denied(.webhooksManage, role: weaker.role)) { _ = try await s.get(id, by: weaker) }
                await #expect(throws: CommonError.denied(.webhooksManage, role: weaker.role)) {
                    _ = try await s.create(WebhookEndpointInput(url: "https://shop.example/h", events: ["*"]), by: weaker)
                }
                await #expect(throws: CommonError.denied(.webhooksManage, role: weaker.role)) { try await s.delete(id, by: weaker) }
                await #expect(throws: CommonError.denied(.webhooksManage, role: weaker.role)) { _ = try await s.resend(id, eventId: "evt_x", by: weaker) }
            }
            let b = WebhooksHarness.adminB
            let missing = CommonError.notFound(entity: "webhook endpoint", id: id)
            await #expect(throws: missing) { _ = try await s.get(id, by: b) }
            await #expect(throws: missing) { _ = try await s.update(id, WebhookEndpointInput(enabled: false), by: b) }
            await #expect(throws: missing) { _ = try await s.rotateSecret(id, by: b) }
            await #expect(throws: missing) { _ = try await s.deliveries(id, by: b) }
            await #expect(throws: missing) { _ = try await s.ping(id, by: b) }
            await #expect(throws: missing) { try await s.delete(id, by: b) }
            #expect(try await s.list(by: b).0.isEmpty)
            // B naming A as the merchant of a new endpoint is refused, not re-pointed.
            await #expect(throws: CommonError.forbidden(action: "act for merchant mer_a")) {
                _ = try await s.create(WebhookEndpointInput(merchantId: "mer_a", url: "https://shop.example/h", events: ["*"]), by: b)
            }
            // The controls: A and the operator admin see it, and it is unchanged.
            #expect(try await s.get(id, by: WebhooksHarness.adminA) == e)
            #expect(try await s.list(merchantId: "mer_a", by: WebhooksHarness.operatorAdmin).0.map(\.id) == [e.id])
        }
    }

    @Test func theSecretIsShownOnceAndStoredOnlySealed() async throws {
        try await WebhooksHarness.with { h in
            let (e, secret) = try await h.endpoint("/a")
            #expect(secret.hasPrefix("whsec_") && secret.count == 6 + 43)
            let stored = try await h.db.read { sql in
                try await sql.select().column("*").from("webhook_endpoints").all().map { row in
                    try row.decode(column: "secret_sealed", as: String.self) + (try row.decode(column: "url", as: String.self))
                }
            }
            #expect(stored.count == 1 && !stored[0].contains(secret) && !stored[0].contains(String(secret.dropFirst(6))))
            let (_, rotated) = try await h.service.rotateSecret(e.id.rawValue, by: WebhooksHarness.adminA)
            #expect(rotated != secret)
            try await h.publish()
            try await h.runner.drain()
            let got = try #require(h.receiver.received.first)
            let header = try #require(got.headers["tradelane-signature"])
            try WebhookSignature.verify(header: header, body: got.body, secret: rotated, now: h.clock.now())
            #expect(throws: WebhookSignature.Failure.noMatch) { try WebhookSignature.verify(header: header, body: got.body, secret: secret, now: h.clock.now()) }
            let audit = try await AuditLog.recent(h.db, merchantId: "mer_a", limit: 20)
            #expect(audit.contains { $0.action == "webhook.secret-rotated" } && !audit.contains { $0.data.contains(secret) || $0.data.contains(rotated) })
        }
    }

    @Test func nonPublicAndNonHTTPSURLsAreRefusedUnlessAllowed() async throws {
        try await WebhooksHarness.with(allowPrivate: false) { h in
            let refused = ["http://127.0.0.1/hook", "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest/meta-data",
                           "https://192.168.1.10/h", "https://172.16.0.1/h", "https://100.64.0.1/h", "https://0.0.0.0/h", "https://[::1]/h",
                           "https://[fd00::1]/h", "https://[fe80::1]/h", "https://[::ffff:10.0.0.1]/h", "https://localhost/h",
                           "https://hooks.localhost/h", "https://2130706433/h", "https://0x7f000001/h", "https://127.1/h",
                           "http://shop.example/h", "ftp://shop.example/h", "https://user:pw@shop.example/h", "not a url",
                           "https://shop.example/" + String(repeating: "a", count: 2000)]
            for url in refused {
                do {
                    _ = try await h.service.create(WebhookEndpointInput(url: url, events: ["*"]), by: WebhooksHarness.adminA)
                    Issue.record("accepted \(url)")
                } catch let e as ValidationError {
                    #expect(e.fieldErrors.map(\.field) == ["url"], "\(url)")
                }
            }
            for url in ["https://shop.example/hooks", "https://93.184.216.34/h", "https://[2606:4700::1111]/h", "https://erp.example.cn:8443/tl?x=1"] {
                _ = try await h.service.create(WebhookEndpointInput(url: url, events: ["*"]), by: WebhooksHarness.adminA)
            }
            #expect(try await h.service.list(by: WebhooksHarness.adminA).0.count == 4)
        }
    }

    @Test func eventTypesAndEndpointCountsAreBounded() async throws {
        try await WebhooksHarness.with { h in
            let s = h.service
            do {
                _ = try await s.create(WebhookEndpointInput(url: "https://shop.example/h", events: ["order.paid", "order.teleported"]), by: WebhooksHarness.adminA)
                Issue.record("accepted an unknown type")
            } catch let e as ValidationError {
                #expect(e.fieldErrors.map(\.field) == ["events[1]"])
            }
            do {
                _ = try await s.create(WebhookEndpointInput(url: "https://shop.example/h", events: []), by: WebhooksHarness.adminA)
                Issue.record("accepted no types")
            } catch let e as ValidationError {
                #expect(e.fieldErrors.map(\.field) == ["events"])
            }
            let (wild, _) = try await s.create(WebhookEndpointInput(url: "https://shop.example/h", events: ["order.paid", "*"]), by: WebhooksHarness.adminA)
            #expect(wild.events == ["*"])
            for i in 1..<WebhookLimits.endpointsPerMerchant {
                _ = try await s.create(WebhookEndpointInput(url: "https://shop.example/h\(i)", events: ["*"]), by: WebhooksHarness.adminA)
            }
            do {
                _ = try await s.create(WebhookEndpointInput(url: "https://shop.example/one-more", events: ["*"]), by: WebhooksHarness.adminA)
                Issue.record("accepted an eleventh endpoint")
            } catch let e as CommonError {
                #expect(e.code == "webhook-endpoint-limit")
            }
            // Another merchant's count is its own.
            _ = try await s.create(WebhookEndpointInput(url: "https://b.example/h", events: ["*"]), by: WebhooksHarness.adminB)
        }
    }

    @Test func addressClassification() {
        let nonPublic = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "172.31.255.255", "192.168.0.1", "100.127.0.1", "0.1.2.3", "224.0.0.1",
                         "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "64:ff9b::a00:1", "2001:db8::1"]
        for text in nonPublic { #expect(IPAddress(literal: text)?.isPublic == false, "\(text)") }
        for text in ["8.8.8.8", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            #expect(IPAddress(literal: text)?.isPublic == true, "\(text)")
        }
        #expect(IPAddress(literal: "shop.example") == nil)
    }

    @Test func payloadKeepsTheEventDataAsAnObject() throws {
        let e = DomainEvent(type: "order.paid", merchantId: nil, entity: "order", entityId: "ord_1", occurredAt: TestFixtures.start,
                            data: #"{"amount":{"amount":"12.30","currency":"EUR"},"note":"\"quoted\" / slash"}"#)
        let json = try #require(try JSONSerialization.jsonObject(with: WebhookPayload.body(e)) as? [String: Any])
        #expect(json["merchantId"] is NSNull && json["createdAt"] as? String == TestFixtures.start.rfc3339)
        #expect((json["data"] as? [String: Any])?["note"] as? String == "\"quoted\" / slash")
        let broken = DomainEvent(type: "x", merchantId: "m", entity: "e", entityId: "i", occurredAt: TestFixtures.start, data: "[1,2]")
        #expect((try JSONSerialization.jsonObject(with: WebhookPayload.body(broken)) as? [String: Any])?["data"] as? [String: Any] != nil)
    }
}
