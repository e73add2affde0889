import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import NIOCore
import Parties
import Testing
import TestSupport
import Web

/// Every /api/v1 route through the real router, on the engine under test.
@Suite struct APITests {
    @Test func merchantCRUD() async throws {
        try await WebHarness.with { h, c in
            let created = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey,
                                           json: #"{"name":"Dongguan Toys Ltd.","country":"CN","contactEmail":"ops@dgtoys.cn","settlementCurrency":"USD"}"#)
            #expect(created.status == .created)
            let id = try #require(created.json.str("id"))
            #expect(created.headers[.location] == "/api/v1/merchants/\(id)")
            #expect(created.json.str("status") == "onboarding" && created.json.str("settlementCurrency") == "USD")
            #expect(created.json.keys.contains("licenceExpiresOn") && created.json["licenceExpiresOn"] is NSNull)
            let got = try await c.call(.get, "/api/v1/merchants/\(id)", key: h.operatorKey)
            #expect(got.status == .ok && got.json.str("name") == "Dongguan Toys Ltd.")
            let patched = try await c.call(.patch, "/api/v1/merchants/\(id)", key: h.operatorKey, json: #"{"legalName":"东莞玩具有限公司"}"#)
            #expect(patched.status == .ok && patched.json.str("legalName") == "东莞玩具有限公司")
            let list = try await c.call(.get, "/api/v1/merchants?q=dongguan&limit=10", key: h.operatorKey)
            #expect(list.json.list.map { $0["id"] as? String } == [id])
            #expect(list.json.keys.contains("next"))
            let page = try await c.call(.get, "/api/v1/merchants?limit=2", key: h.operatorKey)
            #expect(page.json.list.count == 2 && page.json.str("next") != nil)
            let bad = try await c.call(.get, "/api/v1/merchants?limit=0&status=sleeping", key: h.operatorKey)
            #expect(bad.status == .unprocessableContent)
        }
    }

    @Test func kycFlowWithDocumentsOverTheAPI() async throws {
        try await WebHarness.with { h, c in
            let mid = h.merchantA.id.rawValue
            let sub = try await c.call(.post, "/api/v1/merchants/\(mid)/kyc-submissions", key: h.keyA, json: """
                {"companyName":"阿尔法出口有限公司","registrationNumber":"91440300MA5F000001","legalRepresentative":"李雷",
                 "country":"CN","address":"深圳市福田区","licenceExpiresOn":"2028-06-30"}
                """)
            #expect(sub.status == .created)
            let sid = try #require(sub.json.str("id"))
            let pdf = DemoData.samplePDF(title: "licence")
            let up = try await c.call(.post, "/api/v1/kyc-submissions/\(sid)/documents?kind=business-licence&filename=licence.pdf", key: h.keyA,
                                      body: ByteBuffer(bytes: pdf), headers: [.contentType: "application/pdf"])
            #expect(up.status == .created && up.json.str("sha256") == Digest.sha256Hex(pdf))
            let docId = try #require(up.json.str("id"))
            let dl = try await c.call(.get, "/api/v1/kyc-documents/\(docId)", key: h.operatorKey)
            #expect(dl.status == .ok && Data(dl.raw.readableBytesView) == pdf && dl.headers[.contentType] == "application/pdf")
            #expect(try await c.call(.post, "/api/v1/kyc-submissions/\(sid)/start-review", key: h.keyA).status == .forbidden)
            #expect(try await c.call(.post, "/api/v1/kyc-submissions/\(sid)/start-review", key: h.operatorKey).json.str("status") == "under-review")
            let info = try await c.call(.post, "/api/v1/kyc-submissions/\(sid)/request-info", key: h.operatorKey, json: #"{"reason":"Need the export licence"}"#)
            #expect(info.json.str("status") == "needs-more-info")
            #expect(try await c.call(.post, "/api/v1/kyc-submissions/\(sid)/resubmit", key: h.keyA, json: "{}").json.str("status") == "submitted")
            _ = try await c.call(.post, "/api/v1/kyc-submissions/\(sid)/start-review", key: h.operatorKey, json: "{}")
            let noReason = try await c.call(.post, "/api/v1/kyc-submissions/\(sid)/reject", key: h.operatorKey, json: "{}")
            #expect(noReason.status == .unprocessableContent && noReason.json.fieldNames == ["reason"])
            let approved = try await c.call(.post, "/api/v1/kyc-submissions/\(sid)/approve", key: h.operatorKey)
            #expect(approved.status == .ok && approved.json.str("status") == "approved")
            let again = try await c.call(.post, "/api/v1/kyc-submissions/\(sid)/approve", key: h.operatorKey)
            #expect(again.status == .conflict && again.json.str("code") == "invalid-transition")
            let queue = try await c.call(.get, "/api/v1/kyc-submissions?status=approved", key: h.operatorKey)
            #expect(queue.json.list.map { $0["id"] as? String } == [sid])
            #expect(try await c.call(.get, "/api/v1/kyc-submissions/\(sid)", key: h.keyA).json.str("registrationNumber") == "91440300MA5F000001")
            let merchant = try await c.call(.get, "/api/v1/merchants/\(mid)", key: h.keyA)
            #expect(merchant.json.str("status") == "active" && merchant.json.str("licenceState") == "valid")
            // A renamed file of the wrong type is refused and nothing is stored.
            let before = try await h.count("kyc_documents")
            let sub2 = try await c.call(.post, "/api/v1/merchants/\(h.merchantB.id)/kyc-submissions", key: h.keyB, json: """
                {"companyName":"B","registrationNumber":"91440300MA5F000002","legalRepresentative":"韩梅梅","country":"CN","address":"广州","licenceExpiresOn":"2027-01-01"}
                """)
            let fake = try await c.call(.post, "/api/v1/kyc-submissions/\(sub2.json.str("id")!)/documents?kind=other&filename=x.png", key: h.keyB,
                                        body: ByteBuffer(string: "not a png"), headers: [.contentType: "image/png"])
            #expect(fake.status == .unprocessableContent)
            #expect(try await h.count("kyc_documents") == before)
        }
    }

    @Test func exitNoticeAndClosure() async throws {
        try await WebHarness.with { h, c in
            let mid = h.merchantA.id.rawValue
            let exit = try await c.call(.post, "/api/v1/merchants/\(mid)/exit", key: h.keyA, json: #"{"reason":"Winding down EU sales"}"#)
            #expect(exit.status == .ok && exit.json.str("status") == "exiting")
            let notices = try await c.call(.get, "/api/v1/exit-notices", key: nil)
            #expect(notices.status == .ok && notices.json.list.first?["merchantId"] as? String == mid)
            let early = try await c.call(.post, "/api/v1/merchants/\(mid)/close", key: h.operatorKey)
            #expect(early.status == .conflict && early.json.str("code") == "notice-period-running")
            #expect(try await c.call(.post, "/api/v1/merchants/\(mid)/exit/withdraw", key: h.keyA).json.str("status") == "onboarding")
            _ = try await c.call(.post, "/api/v1/merchants/\(mid)/exit", key: h.operatorKey, json: #"{"reason":"Licence revoked"}"#)
            h.clock.advance(by: 30 * 86400 + 1)
            let closed = try await c.call(.post, "/api/v1/merchants/\(mid)/close", key: h.operatorKey, json: "{}")
            #expect(closed.status == .ok && closed.json.str("status") == "closed")
            // The closed merchant's key no longer authenticates.
            #expect(try await c.call(.get, "/api/v1/merchants/\(mid)", key: h.keyA).status == .unauthorized)
        }
    }

    @Test func usersAndAPIKeys() async throws {
        try await WebHarness.with { h, c in
            let user = try await c.call(.post, "/api/v1/users", key: h.keyA, json: #"{"email":"staff@alpha.cn","displayName":"Staff","password":"a long password","role":"merchant-staff"}"#)
            #expect(user.status == .created && user.json.str("merchantId") == h.merchantA.id.rawValue)
            #expect(!String(buffer: user.raw).contains("password"))
            let uid = try #require(user.json.str("id"))
            #expect(try await c.call(.get, "/api/v1/users/\(uid)", key: h.keyA).json.str("email") == "staff@alpha.cn")
            #expect(try await c.call(.patch, "/api/v1/users/\(uid)", key: h.keyA, json: #"{"language":"zh-CN"}"#).json.str("language") == "zh-CN")
            let escalate = try await c.call(.patch, "/api/v1/users/\(uid)", key: h.keyA, json: #"{"role":"operator-admin"}"#)
            #expect(escalate.status == .forbidden)
            #expect(try await c.call(.get, "/api/v1/users", key: h.keyA).json.list.count == 1)

            let key = try await c.call(.post, "/api/v1/api-keys", key: h.keyA, json: #"{"name":"warehouse","role":"merchant-staff"}"#)
            #expect(key.status == .created)
            let token = try #require(key.json.str("key"))
            let kid = try #require(key.json.str("id"))
            #expect(try await c.call(.get, "/api/v1/merchants/\(h.merchantA.id)", key: token).status == .ok)
            let listed = try await c.call(.get, "/api/v1/api-keys", key: h.keyA)
            #expect(listed.json.list.allSatisfy { $0["key"] == nil })
            #expect(try await c.call(.get, "/api/v1/api-keys/\(kid)", key: h.keyA).json.str("prefix") == String(token.prefix(10)))
            #expect(try await c.call(.post, "/api/v1/api-keys/\(kid)/revoke", key: h.keyA).json.str("revokedAt") != nil)
            #expect(try await c.call(.get, "/api/v1/merchants/\(h.merchantA.id)", key: token).status == .unauthorized)
            let audit = try await c.call(.get, "/api/v1/audit-log?limit=50", key: h.keyA)
            let actions = audit.json.list.compactMap { $0["action"] as? String }
            #expect(actions.contains("api-key.revoked") && actions.contains("user.created"))
            #expect(audit.json.list.allSatisfy { ($0["merchantId"] as? String) == h.merchantA.id.rawValue })
        }
    }

    @Test func healthMetricsAndOpenAPI() async throws {
        try await WebHarness.with { h, c in
            #expect(try await c.call(.get, "/health/live", key: nil).json.str("status") == "ok")
            let ready = try await c.call(.get, "/health/ready", key: nil)
            #expect(ready.status == .ok && ready.json.str("database") == TestDatabase.engine.rawValue)
            _ = try await c.call(.get, "/api/v1/merchants", key: h.operatorKey)
            let metrics = String(buffer: try await c.call(.get, "/metrics", key: nil).raw)
            #expect(metrics.contains("tradelane_http_requests_total"))
            #expect(metrics.contains(#"tradelane_merchants{status="onboarding"} 2"#))
            let spec = try await c.call(.get, "/api/openapi.yaml", key: nil)
            #expect(spec.status == .ok && String(buffer: spec.raw).contains("openapi: 3.1"))
        }
    }
}
