import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
import NIOCore
import Parties
import SQLKit
import Testing
import TestSupport
@testable import Web

/// Issue 10, K3: a merchant caller naming another merchant is refused, not re-pointed.
extension SecurityHardeningTests {
    @Test func aMerchantNamingAnotherMerchantIsRefused() async throws {
        try await WebHarness.with { h, c in
            let foreign = h.merchantB.id.rawValue
            let listing = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: """
                {"merchantId":"\(foreign)","title":"Steel bottle","description":"750 ml","images":[{"url":"https://cdn.example/b.jpg","alt":"b"}],
                 "price":{"amount":"6.90","currency":"EUR"},"originCountry":"CN","markets":["EU"],"unit":"1 bottle",
                 "variationNotice":"Colour may vary.","responsiblePerson":"B B.V., Damrak 1, Amsterdam, NL, rp@b.example"}
                """)
            #expect(listing.status == .forbidden && listing.json.str("code") == "forbidden")
            let cert = try await c.call(.post, "/api/v1/certifications", key: h.keyA, json: #"{"merchantId":"\#(foreign)","type":"CE","number":"1","issuer":"QA"}"#)
            #expect(cert.status == .forbidden)
            let user = try await c.call(.post, "/api/v1/users", key: h.keyA, json: """
                {"email":"x@beta.cn","displayName":"X","password":"long enough pw","role":"merchant-staff","merchantId":"\(foreign)"}
                """)
            #expect(user.status == .forbidden)
            let key = try await c.call(.post, "/api/v1/api-keys", key: h.keyA, json: #"{"name":"k","role":"merchant-staff","merchantId":"\#(foreign)"}"#)
            #expect(key.status == .forbidden)
            let listings = try await h.count("listings"), certificates = try await h.count("certifications")
            #expect(listings == 0 && certificates == 0)
            // Naming one's own merchant, or none, still works.
            let own = try await c.call(.post, "/api/v1/certifications", key: h.keyA,
                                       json: #"{"merchantId":"\#(h.merchantA.id.rawValue)","type":"CE","number":"2","issuer":"QA"}"#)
            #expect(own.status == .created && own.json.str("merchantId") == h.merchantA.id.rawValue)
        }
    }
}
