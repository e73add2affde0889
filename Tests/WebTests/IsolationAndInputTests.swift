import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import NIOCore
import Parties
import Testing
import TestSupport
import Web

/// K1 tenant walls: merchant A's key never reads or changes merchant B's data.
@Suite struct TenantIsolationTests {
    @Test func merchantAGets404OnEverythingOfB() async throws {
        try await WebHarness.with { h, c in
            let b = h.merchantB.id.rawValue
            let sub = try await c.call(.post, "/api/v1/merchants/\(b)/kyc-submissions", key: h.keyB, json: """
                {"companyName":"Beta","registrationNumber":"91440300MA5F000009","legalRepresentative":"Wu","country":"CN","address":"Shanghai","licenceExpiresOn":"2027-05-01"}
                """)
            let sid = try #require(sub.json.str("id"))
            let doc = try await c.call(.post, "/api/v1/kyc-submissions/\(sid)/documents?kind=other&filename=b.pdf", key: h.keyB,
                                       body: ByteBuffer(bytes: DemoData.samplePDF(title: "b")), headers: [.contentType: "application/pdf"])
            let did = try #require(doc.json.str("id"))
            let user = try await c.call(.post, "/api/v1/users", key: h.keyB, json: #"{"email":"u@beta.cn","displayName":"U","password":"beta password 1","role":"merchant-staff"}"#)
            let uid = try #require(user.json.str("id"))
            let key = try await c.call(.post, "/api/v1/api-keys", key: h.keyB, json: #"{"name":"x","role":"merchant-staff"}"#)
            let kid = try #require(key.json.str("id"))

            let probes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/v1/merchants/\(b)", nil), (.patch, "/api/v1/merchants/\(b)", #"{"name":"pwned"}"#),
                (.get, "/api/v1/kyc-submissions/\(sid)", nil), (.get, "/api/v1/kyc-documents/\(did)", nil),
                (.post, "/api/v1/kyc-submissions/\(sid)/resubmit", "{}"), (.get, "/api/v1/users/\(uid)", nil),
                (.patch, "/api/v1/users/\(uid)", #"{"displayName":"pwned"}"#), (.get, "/api/v1/api-keys/\(kid)", nil),
                (.post, "/api/v1/api-keys/\(kid)/revoke", nil),
            ]
            for (method, uri, body) in probes {
                let r = try await c.call(method, uri, key: h.keyA, json: body)
                #expect(r.status == .notFound, "\(method) \(uri) returned \(r.status)")
            }
            // Commands under B's id answer as if B did not exist.
            let exit = try await c.call(.post, "/api/v1/merchants/\(b)/exit", key: h.keyA, json: #"{"reason":"x"}"#)
            #expect(exit.status == .notFound)
            let kyc = try await c.call(.post, "/api/v1/merchants/\(b)/kyc-submissions", key: h.keyA, json: """
                {"companyName":"A","registrationNumber":"91440300MA5F000010","legalRepresentative":"L","country":"CN","address":"x","licenceExpiresOn":"2028-01-01"}
                """)
            #expect(kyc.status == .notFound)
            #expect(try await c.call(.post, "/api/v1/merchants/\(b)/exit/withdraw", key: h.keyA).status == .notFound)
            // List filters never leak B's rows.
            for uri in ["/api/v1/merchants?q=Beta", "/api/v1/merchants", "/api/v1/kyc-submissions?merchantId=\(b)",
                        "/api/v1/users?merchantId=\(b)", "/api/v1/api-keys", "/api/v1/audit-log"] {
                let r = try await c.call(.get, uri, key: h.keyA)
                #expect(r.status == .ok)
                #expect(!String(buffer: r.raw).contains(b) || uri.hasSuffix("merchantId=\(b)") && r.json.list.isEmpty, "\(uri) leaked B")
                if uri.contains("merchantId=") { #expect(r.json.list.isEmpty) }
            }
            #expect(try await c.call(.get, "/api/v1/merchants/\(b)", key: h.keyB).json.str("name") == "Beta Export Co.")
            #expect(try await c.call(.get, "/api/v1/users/\(uid)", key: h.keyB).json.str("displayName") == "U")
        }
    }
}

/// Bad input: clear problem+json, named fields, zh/en, and nothing written.
@Suite struct BadInputTests {
    @Test func malformedJSONWritesNothing() async throws {
        try await WebHarness.with { h, c in
            let before = try await h.count("merchants")
            for body in ["{\"name\": ", "[1,2]", "", "null", "{name: 'x'}"] {
                let r = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey, json: body)
                #expect(r.status == .badRequest, "body \(body)")
                #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                #expect(r.json.str("code") == "malformed-body" && r.json["status"] as? Int == 400)
            }
            #expect(try await h.count("merchants") == before)
        }
    }

    @Test func wrongTypesUnknownFieldsAndUnknownCurrencyNameTheField() async throws {
        try await WebHarness.with { h, c in
            let before = try await h.count("merchants")
            let wrong = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey, json: #"{"name":42,"country":"CN","contactEmail":"a@b.cn"}"#)
            #expect(wrong.status == .unprocessableContent && wrong.json.fieldNames == ["name"])
            let unknown = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey, json: #"{"name":"X","country":"CN","contactEmail":"a@b.cn","isAdmin":true}"#)
            #expect(unknown.json.fieldNames == ["isAdmin"])
            let zh = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey,
                                      json: #"{"name":"X","country":"CN","contactEmail":"a@b.cn","settlementCurrency":"XBT"}"#,
                                      headers: [.acceptLanguage: "zh-CN,zh;q=0.9"])
            #expect(zh.status == .unprocessableContent && zh.json.fieldNames == ["settlementCurrency"])
            #expect(zh.json.str("title") == "请求参数校验失败")
            let en = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey, json: #"{"name":"X","country":"CN","contactEmail":"a@b.cn","settlementCurrency":"XBT"}"#)
            #expect(en.json.str("title") == "Validation failed")
            let message = (en.json["errors"] as? [[String: Any]])?.first?["message"] as? String
            #expect(message?.contains("ISO 4217") == true)
            let nulls = try await c.call(.post, "/api/v1/users", key: h.operatorKey, json: #"{"email":null,"displayName":"x","password":"0123456789","role":"finance"}"#)
            #expect(nulls.status == .unprocessableContent)
            #expect(try await h.count("merchants") == before)
            #expect(try await h.count("users") == 0)
        }
    }

    @Test func oversizedBodiesAreRefused() async throws {
        try await WebHarness.with { h, c in
            let big = ByteBuffer(repeating: UInt8(ascii: " "), count: 2 * 1024 * 1024 + 10)
            let r = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey, body: big, headers: [.contentType: "application/json"])
            #expect(r.status == .contentTooLarge && r.json.str("code") == "payload-too-large")
            let media = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey, body: ByteBuffer(string: "name=x"),
                                         headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(media.status == .unsupportedMediaType)
            #expect(try await h.count("merchants") == 2)
        }
    }

    @Test func missingOrBadCredentials() async throws {
        try await WebHarness.with { h, c in
            let none = try await c.call(.get, "/api/v1/merchants", key: nil)
            #expect(none.status == .unauthorized && none.headers[.wwwAuthenticate] != nil && none.json.str("code") == "unauthorized")
            #expect(try await c.call(.get, "/api/v1/merchants", key: "tl_forged").status == .unauthorized)
            #expect(try await c.call(.get, "/api/v1/merchants", key: nil, headers: [.authorization: "Basic YTpi"]).status == .unauthorized)
            let post = try await c.call(.post, "/api/v1/merchants", key: nil, json: #"{"name":"X","country":"CN","contactEmail":"a@b.cn"}"#)
            #expect(post.status == .unauthorized)
            #expect(try await h.count("merchants") == 2)
            let zh = try await c.call(.get, "/api/v1/merchants", key: nil, headers: [.acceptLanguage: "zh-CN"])
            #expect(zh.json.str("title") == "需要身份认证")
            #expect(try await c.call(.get, "/api/v1/nothing-here", key: h.operatorKey).status == .notFound)
        }
    }

    @Test func controlCharactersAndHugeFieldsAreFieldErrors() async throws {
        try await WebHarness.with { h, c in
            let long = String(repeating: "长", count: 300)
            let r = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey,
                                     json: "{\"name\":\"\(long)\",\"legalName\":\"bad\\u0000name\",\"country\":\"CN\",\"contactEmail\":\"a@b.cn\"}")
            #expect(r.status == .unprocessableContent && r.json.fieldNames == ["name", "legalName"])
        }
    }
}

/// Idempotency-Key: replay, conflict, per tenant, and never a double create.
@Suite struct IdempotencyTests {
    @Test func replaySameResponseAndRejectDifferentBody() async throws {
        try await WebHarness.with { h, c in
            let body = #"{"name":"Once Only Ltd.","country":"HK","contactEmail":"once@only.hk"}"#
            let first = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey, json: body, headers: [.init("Idempotency-Key")!: "create-once-1"])
            let second = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey, json: body, headers: [.init("Idempotency-Key")!: "create-once-1"])
            #expect(first.status == .created && second.status == .created)
            #expect(first.json.str("id") == second.json.str("id"))
            #expect(second.headers[.init("Idempotent-Replayed")!] == "true" && second.headers[.location] == first.headers[.location])
            #expect(try await h.count("merchants") == 3)
            let other = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey, json: #"{"name":"Other","country":"HK","contactEmail":"o@o.hk"}"#,
                                         headers: [.init("Idempotency-Key")!: "create-once-1"])
            #expect(other.status == .conflict && other.json.str("code") == "idempotency-key-reused")
            #expect(try await h.count("merchants") == 3)
        }
    }

    @Test func validationFailuresReplayAndKeysArePerTenant() async throws {
        try await WebHarness.with { h, c in
            let key: HTTPFields = [.init("Idempotency-Key")!: "k-42"]
            let bad = try await c.call(.post, "/api/v1/api-keys", key: h.keyA, json: #"{"name":"","role":"merchant-staff"}"#, headers: key)
            let again = try await c.call(.post, "/api/v1/api-keys", key: h.keyA, json: #"{"name":"","role":"merchant-staff"}"#, headers: key)
            #expect(bad.status == .unprocessableContent && again.status == .unprocessableContent)
            #expect(again.headers[.init("Idempotent-Replayed")!] == "true")
            // Merchant B may use the same key string for its own request.
            let b = try await c.call(.post, "/api/v1/api-keys", key: h.keyB, json: #"{"name":"b-key","role":"merchant-staff"}"#, headers: key)
            #expect(b.status == .created)
            let replayB = try await c.call(.post, "/api/v1/api-keys", key: h.keyB, json: #"{"name":"b-key","role":"merchant-staff"}"#, headers: key)
            #expect(replayB.json.str("id") == b.json.str("id"))
            #expect(try await h.count("api_keys") == 4)
        }
    }
}
