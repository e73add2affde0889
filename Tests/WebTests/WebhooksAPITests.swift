import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Logging
import Parties
import Testing
import TestSupport
@testable import Web
import Webhooks

/// Issue 11 item 6 over HTTP: merchants' webhook endpoints, their permissions and tenant walls, SSRF refusals, and a
/// real Compliance event (a takedown) delivered signed to a local receiver.
@Suite struct WebhooksAPITests {
    static let hook = #"{"url":"https://shop.example/hooks","events":["*"],"description":"shop"}"#

    @Test func createShowsTheSecretOnceAndIdempotentRetriesCreateOne() async throws {
        try await WebHarness.with { h, c in
            let key: HTTPFields = [.init("Idempotency-Key")!: "hook-create-1"]
            let created = try await c.call(.post, "/api/v1/webhooks", key: h.keyA, json: Self.hook, headers: key)
            #expect(created.status == .created)
            let id = try #require(created.json.str("id"))
            let secret = try #require(created.json.str("secret"))
            #expect(secret.hasPrefix("whsec_") && created.json.str("merchantId") == h.merchantA.id.rawValue)
            #expect(created.headers[.location] == "/api/v1/webhooks/\(id)")
            let replay = try await c.call(.post, "/api/v1/webhooks", key: h.keyA, json: Self.hook, headers: key)
            #expect(replay.json.str("id") == id && replay.json.str("secret") == secret)
            let list = try await c.call(.get, "/api/v1/webhooks", key: h.keyA)
            #expect(list.json.list.count == 1 && list.json.list[0]["secret"] == nil && list.json["next"] is NSNull)
            let got = try await c.call(.get, "/api/v1/webhooks/\(id)", key: h.keyA)
            #expect(got.status == .ok && got.json["secret"] == nil && got.json.str("url") == "https://shop.example/hooks")
            let patched = try await c.call(.patch, "/api/v1/webhooks/\(id)", key: h.keyA, json: #"{"enabled":false,"events":["listing.taken-down"]}"#)
            #expect(patched.status == .ok && patched.json["enabled"] as? Bool == false && patched.json["events"] as? [String] == ["listing.taken-down"])
            let rotated = try await c.call(.post, "/api/v1/webhooks/\(id)/rotate-secret", key: h.keyA)
            #expect(rotated.status == .ok && rotated.json.str("secret") != nil && rotated.json.str("secret") != secret)
            #expect(try await c.call(.delete, "/api/v1/webhooks/\(id)", key: h.keyA).status == .noContent)
            #expect(try await c.call(.get, "/api/v1/webhooks/\(id)", key: h.keyA).status == .notFound)
        }
    }

    @Test func loopbackPrivateAndMetadataAddressesAreRefusedNamingURL() async throws {
        try await WebHarness.with { h, c in
            for url in ["http://127.0.0.1/hook", "https://127.0.0.1:8080/hook", "https://10.0.0.5/hook", "https://169.254.169.254/latest/meta-data/",
                        "https://[::1]/hook", "https://localhost/hook", "http://shop.example/hook"] {
                let r = try await c.call(.post, "/api/v1/webhooks", key: h.keyA, json: #"{"url":"\#(url)","events":["*"]}"#)
                #expect(r.status == .unprocessableContent && r.json.fieldNames == ["url"], "\(url)")
            }
            let zh = try await c.call(.post, "/api/v1/webhooks", key: h.keyA, json: #"{"url":"https://10.0.0.5/x","events":["*"]}"#,
                                      headers: [.acceptLanguage: "zh-CN"])
            #expect(((zh.json["errors"] as? [[String: Any]])?.first?["message"] as? String)?.contains("公网") == true)
            let unknown = try await c.call(.post, "/api/v1/webhooks", key: h.keyA, json: #"{"url":"https://shop.example/h","events":["listing.vanished"]}"#)
            #expect(unknown.status == .unprocessableContent && unknown.json.fieldNames == ["events[0]"])
            #expect(try await h.count("webhook_endpoints") == 0)
        }
    }

    @Test func anotherMerchantAndWeakerRolesCannotReachAnEndpoint() async throws {
        try await WebHarness.with { h, c in
            let created = try await c.call(.post, "/api/v1/webhooks", key: h.keyA, json: Self.hook)
            let id = try #require(created.json.str("id"))
            // Merchant B: every route answers 404 for A's endpoint, and B's list is empty.
            for (method, path, body) in Self.routes(id) {
                let r = try await c.call(method, path, key: h.keyB, json: body)
                #expect(r.status == .notFound, "\(method) \(path)")
            }
            #expect(try await c.call(.get, "/api/v1/webhooks", key: h.keyB).json.list.isEmpty)
            let forA = try await c.call(.post, "/api/v1/webhooks", key: h.keyB,
                                        json: #"{"merchantId":"\#(h.merchantA.id)","url":"https://b.example/h","events":["*"]}"#)
            #expect(forA.status == .forbidden)
            // Staff of A and an operator's compliance officer: 403 on every route.
            let system = Principal.system("test")
            let (_, staff) = try await h.services.parties.access.createKey(name: "staff", role: "merchant-staff", merchantId: h.merchantA.id.rawValue, by: system)
            let (_, officer) = try await h.services.parties.access.createKey(name: "co", role: "compliance-officer", merchantId: nil, by: system)
            for weaker in [staff, officer] {
                #expect(try await c.call(.get, "/api/v1/webhooks", key: weaker).status == .forbidden)
                #expect(try await c.call(.post, "/api/v1/webhooks", key: weaker, json: Self.hook).status == .forbidden)
                for (method, path, body) in Self.routes(id) {
                    #expect(try await c.call(method, path, key: weaker, json: body).status == .forbidden, "\(method) \(path)")
                }
            }
            // The controls: A and the operator admin reach it; nothing was changed or deleted.
            #expect(try await c.call(.get, "/api/v1/webhooks/\(id)", key: h.keyA).json["enabled"] as? Bool == true)
            let op = try await c.call(.get, "/api/v1/webhooks?merchantId=\(h.merchantA.id)", key: h.operatorKey)
            #expect(op.json.list.map { $0["id"] as? String } == [id])
            // The operator admin names the merchant, which must exist; without one the endpoint is the platform's.
            let unknown = try await c.call(.post, "/api/v1/webhooks", key: h.operatorKey,
                                           json: #"{"merchantId":"mer_nobody","url":"https://ops.example/h","events":["*"]}"#)
            #expect(unknown.status == .unprocessableContent && unknown.json.fieldNames == ["merchantId"])
            let platform = try await c.call(.post, "/api/v1/webhooks", key: h.operatorKey, json: #"{"url":"https://ops.example/h","events":["*"]}"#)
            #expect(platform.status == .created && platform.json["merchantId"] is NSNull)
            #expect(try await c.call(.get, "/api/v1/webhooks", key: h.keyA).json.list.map { $0["id"] as? String } == [id])
        }
    }

    static func routes(_ id: String) -> [(HTTPRequest.Method, String, String?)] {
        [(.get, "/api/v1/webhooks/\(id)", nil), (.patch, "/api/v1/webhooks/\(id)", #"{"enabled":false}"#),
         (.post, "/api/v1/webhooks/\(id)/rotate-secret", nil), (.get, "/api/v1/webhooks/\(id)/deliveries", nil),
         (.post, "/api/v1/webhooks/\(id)/resend", #"{"eventId":"evt_x"}"#), (.post, "/api/v1/webhooks/\(id)/ping", nil),
         (.delete, "/api/v1/webhooks/\(id)", nil)]
    }

    @Test func aTakedownReachesTheMerchantsReceiverSignedAndNoOtherMerchants() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await WebHarness.with(approvedKYC: true, configure: { $0.webhooksAllowPrivateNetworks = true }) { h, c in
            let a = try await c.call(.post, "/api/v1/webhooks", key: h.keyA,
                                     json: #"{"url":"\#(receiver.url("/a"))","events":["listing.taken-down","takedown.opened"]}"#)
            let secret = try #require(a.json.str("secret"))
            let endpointA = try #require(a.json.str("id"))
            _ = try await c.call(.post, "/api/v1/webhooks", key: h.keyB, json: #"{"url":"\#(receiver.url("/b"))","events":["*"]}"#)
            let listing = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: ListingAPITests.body)
            let listingId = try #require(listing.json.str("id"))
            let report = try await c.call(.post, "/api/v1/takedowns", key: h.operatorKey,
                                          json: #"{"listingId":"\#(listingId)","category":"brand","reason":"Rights holder notice"}"#)
            let caseId = try #require(report.json.str("id"))
            let resolved = try await c.call(.post, "/api/v1/takedowns/\(caseId)/resolve", key: h.operatorKey,
                                            json: #"{"action":"take-down","reason":"Counterfeit confirmed"}"#)
            #expect(resolved.status == .ok)
            // The app's job worker delivers them (its outside lane), as `tradelane serve` does every second.
            await JobWorker(services: h.services, logger: Logger(label: "test"), worker: "w1").runOnce()
            let got = receiver.received(path: "/a")
            #expect(got.compactMap { $0.headers["tradelane-event-type"] }.sorted() == ["listing.taken-down", "takedown.opened"])
            for r in got {
                try WebhookSignature.verify(header: try #require(r.headers["tradelane-signature"]), body: r.body, secret: secret, now: h.clock.now())
            }
            let takenDown = try #require(got.first { $0.headers["tradelane-event-type"] == "listing.taken-down" })
            let body = try #require(try JSONSerialization.jsonObject(with: takenDown.body) as? [String: Any])
            #expect(body["entityId"] as? String == listingId && (body["data"] as? [String: Any])?["status"] as? String == "taken-down")
            #expect(receiver.received(path: "/b").isEmpty)
            // The log over the API, and a resend of the takedown event (audited).
            let log = try await c.call(.get, "/api/v1/webhooks/\(endpointA)/deliveries?limit=1", key: h.keyA)
            #expect(log.json.list.count == 1 && log.json.str("next") != nil)
            let eventId = try #require(body["id"] as? String)
            let resend = try await c.call(.post, "/api/v1/webhooks/\(endpointA)/resend", key: h.keyA, json: #"{"eventId":"\#(eventId)"}"#)
            #expect(resend.status == .accepted && resend.json.str("eventId") == eventId)
            #expect(try await c.call(.post, "/api/v1/webhooks/\(endpointA)/resend", key: h.keyB, json: #"{"eventId":"\#(eventId)"}"#).status == .notFound)
            try await JobRunner(queue: h.services.jobs, worker: "test", handlers: h.services.jobHandlers).drain()
            #expect(receiver.received(path: "/a").count == 3 && receiver.received(path: "/b").isEmpty)
            let audit = try await AuditLog.recent(h.services.db, merchantId: h.merchantA.id, limit: 50).map(\.action)
            #expect(audit.contains("webhook.resent"))
        }
    }

    @Test func consolePageCreatesAnEndpointAndShowsTheSecretOnce() async throws {
        try await WebHarness.with { h, c in
            _ = try await h.services.parties.users.create(UserInput(email: "shop@alpha.cn", displayName: "Shop admin", password: "shop admin password",
                                                                    role: "merchant-admin", merchantId: h.merchantA.id.rawValue, language: "zh-CN"),
                                                          by: .system("t"))
            var b = ConsoleTests.Browser()
            _ = try await b.login(c, "shop@alpha.cn", "shop admin password")
            let page = try await b.send(c, .get, "/console/webhooks")
            #expect(page.status == .ok && page.html.contains("Webhook 推送") && page.html.contains("ev_listing.taken-down"))
            let token = try #require(ConsoleTests.csrf(page.html))
            let bad = try await b.send(c, .post, "/console/webhooks", form: ["_csrf": token, "url": "https://169.254.169.254/x", "ev_*": "on"])
            #expect(bad.status == .seeOther)
            #expect(try await b.send(c, .get, "/console/webhooks").html.contains("公网"))
            _ = try await b.send(c, .post, "/console/webhooks", form: ["_csrf": token, "url": "https://shop.example/hooks", "ev_*": "on"])
            let shown = try await b.send(c, .get, "/console/webhooks")
            #expect(shown.html.contains("id=\"new-secret\">whsec_") && shown.html.contains("https://shop.example/hooks"))
            #expect(!(try await b.send(c, .get, "/console/webhooks").html.contains("id=\"new-secret\"")))
            let endpoints = try await h.services.webhooks.endpoints.list(by: .system("t")).0
            #expect(endpoints.map(\.merchantId) == [h.merchantA.id] && endpoints[0].events == ["*"])
            // A test ping is queued and shows up in the deliveries table once the worker ran.
            _ = try await b.send(c, .post, "/console/webhooks/\(endpoints[0].id)/ping", form: ["_csrf": token])
            let jobs = try await h.services.jobs.list(status: .queued, kind: WebhookJobs.deliver, limit: 10)
            #expect(jobs.count == 1)
        }
    }
}
