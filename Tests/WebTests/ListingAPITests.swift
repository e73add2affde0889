import Foundation
import Parties
import Hummingbird
import HummingbirdTesting
import Kernel
import NIOCore
import Testing
import TestSupport
import Web

/// /api/v1/listings over the bundled catalogue: screened on every save, versioned, tenant-walled.
@Suite struct ListingAPITests {
    static let body = """
        {"title":"Organic cotton tote bag","description":"Natural canvas","attributes":{"size":"38x42cm"},
         "images":[{"url":"https://cdn.example/tote.jpg","alt":"tote bag"}],"price":{"amount":"12.50","currency":"USD"},
         "originCountry":"CN","hsCode":"420222","markets":["US","EU"],"unit":"1 bag",
         "variationNotice":"Colour may differ slightly from the photo.",
         "responsiblePerson":"Tote EU B.V., Keizersgracht 1, Amsterdam, NL, rp@tote.example"}
        """

    @Test func createUpdateVersionsAndModerate() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let created = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: Self.body)
            #expect(created.status == .created && created.json.str("status") == "active" && created.json.str("verdict") == "pass")
            let id = try #require(created.json.str("id"))
            let price = (created.json["content"] as? [String: Any])?["price"] as? [String: Any]
            #expect(price?["amount"] as? String == "12.50")
            let ocr = try await c.call(.patch, "/api/v1/listings/\(id)", key: h.keyA,
                                       json: #"{"images":[{"url":"https://cdn.example/x.jpg","ocrText":"ROLEX"}]}"#)
            #expect(ocr.json.str("status") == "rejected" && ocr.json["version"] as? Int == 2)
            let f = (ocr.json["findings"] as? [[String: Any]])?.first
            #expect(f?["field"] as? String == "images[0]" && f?["category"] as? String == "brand")
            let versions = try await c.call(.get, "/api/v1/listings/\(id)/versions", key: h.keyA)
            #expect(versions.json.list.map { $0["version"] as? Int } == [2, 1])
            #expect(try await c.call(.post, "/api/v1/listings/\(id)/take-down", key: h.keyA, json: #"{"reason":"x"}"#).status == .forbidden)
            let down = try await c.call(.post, "/api/v1/listings/\(id)/take-down", key: h.operatorKey, json: #"{"reason":"Counterfeit"}"#)
            #expect(down.status == .conflict)   // rejected listings are not live; nothing to take down
            let list = try await c.call(.get, "/api/v1/listings?status=rejected&market=EU", key: h.operatorKey)
            #expect(list.json.list.map { $0["id"] as? String } == [id])
        }
    }

    @Test func badInputAndTenantWalls() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let bad = try await c.call(.post, "/api/v1/listings", key: h.keyA,
                                       json: #"{"title":"x","price":{"amount":"1.234","currency":"USD"},"originCountry":"CN","markets":["US"]}"#)
            #expect(bad.status == .unprocessableContent && bad.json.fieldNames == ["price"])
            let currency = try await c.call(.post, "/api/v1/listings", key: h.keyA,
                                            json: #"{"title":"x","price":{"amount":"1.00","currency":"XYZ"},"originCountry":"CN","markets":["US"]}"#)
            #expect(currency.status == .unprocessableContent && currency.json.fieldNames == ["price"])
            let market = try await c.call(.get, "/api/v1/listings?market=MARS", key: h.keyA)
            #expect(market.status == .unprocessableContent && market.json.fieldNames == ["market"])
            let a = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: Self.body)
            let id = try #require(a.json.str("id"))
            #expect(try await c.call(.get, "/api/v1/listings/\(id)", key: h.keyB).status == .notFound)
            #expect(try await c.call(.patch, "/api/v1/listings/\(id)", key: h.keyB, json: #"{"title":"pwned"}"#).status == .notFound)
            #expect(try await c.call(.get, "/api/v1/listings/\(id)/versions", key: h.keyB).status == .notFound)
            #expect(try await c.call(.get, "/api/v1/listings", key: h.keyB).json.list.isEmpty)
            let operatorWithout = try await c.call(.post, "/api/v1/listings", key: h.operatorKey, json: Self.body)
            #expect(operatorWithout.status == .unprocessableContent && operatorWithout.json.fieldNames == ["merchantId"])
        }
    }

    /// Issue 10 item 9 (K2): publishing needs approved KYC, and an identity change after approval reopens it. An operator
    /// filing for the merchant is held the same way; live listings stay on sale during the re-review.
    @Test func publishingNeedsApprovedKYCAndIdentityEditsReopenIt() async throws {
        try await WebHarness.with { h, c in
            let before = try await h.count("listings")
            let early = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: Self.body)
            #expect(early.status == .conflict && early.json.str("code") == "kyc-not-approved")
            let forA = Self.body.replacingOccurrences(of: #"{"title""#, with: #"{"merchantId":"\#(h.merchantA.id)","title""#)
            #expect(try await c.call(.post, "/api/v1/listings", key: h.operatorKey, json: forA).json.str("code") == "kyc-not-approved")
            #expect(try await h.count("listings") == before)

            try await h.approveKYC(h.merchantA)
            let live = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: Self.body)
            #expect(live.status == .created && live.json.str("status") == "active")
            let id = try #require(live.json.str("id"))
            // A display-name change is not an identity change.
            let renamed = try await c.call(.patch, "/api/v1/merchants/\(h.merchantA.id)", key: h.keyA, json: #"{"name":"Alpha Trading"}"#)
            #expect(renamed.json.str("kycStatus") == "approved")
            let moved = try await c.call(.patch, "/api/v1/merchants/\(h.merchantA.id)", key: h.keyA, json: #"{"legalName":"Shell Co. Ltd","country":"VG"}"#)
            #expect(moved.status == .ok && moved.json.str("kycStatus") == "needs-more-info")
            let blocked = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: Self.body)
            #expect(blocked.status == .conflict && blocked.json.str("code") == "kyc-not-approved")
            let edit = try await c.call(.patch, "/api/v1/listings/\(id)", key: h.keyA, json: #"{"title":"Organic cotton tote bag XL"}"#)
            #expect(edit.status == .conflict && edit.json.str("code") == "kyc-not-approved")
            #expect(try await c.call(.get, "/api/v1/listings/\(id)", key: h.keyA).json.str("status") == "active")
            #expect(try await AuditLog.recent(h.services.db, merchantId: h.merchantA.id, limit: 50).contains { $0.action == "kyc.reopened" })
            // A fresh approval lets it publish again.
            try await h.approveKYC(h.merchantA)
            #expect(try await c.call(.post, "/api/v1/listings", key: h.keyA, json: Self.body).status == .created)
        }
    }

    /// Operators file listings, certificates and penalties for a merchant by id: an id Parties does not know is a 422
    /// on merchantId and nothing is written; a real merchant's id works (CMP3, CMP4, CMP5).
    @Test func operatorRecordsNeedAnExistingMerchant() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let listing = Self.body.replacingOccurrences(of: #"{"title""#, with: #"{"merchantId":"mer_nobody","title""#)
            let certificate = #"{"merchantId":"mer_nobody","type":"CE","number":"EU-1","issuer":"TÜV"}"#
            let penalty = #"{"merchantId":"mer_nobody","violation":"prohibited","reason":"ivory"}"#
            for (uri, body) in [("/api/v1/listings", listing), ("/api/v1/certifications", certificate), ("/api/v1/penalties", penalty)] {
                let r = try await c.call(.post, uri, key: h.operatorKey, json: body, headers: [.acceptLanguage: "zh-CN"])
                #expect(r.status == .unprocessableContent && r.json.fieldNames == ["merchantId"], "\(uri): \(r.status)")
                #expect(String(buffer: r.raw).contains("商户 mer_nobody 不存在"), "\(uri)")
                let real = body.replacingOccurrences(of: "mer_nobody", with: h.merchantA.id.rawValue)
                #expect(try await c.call(.post, uri, key: h.operatorKey, json: real).status == .created, "\(uri) for a real merchant")
            }
            #expect(try await c.call(.get, "/api/v1/penalties?merchantId=mer_nobody", key: h.operatorKey).json.list.isEmpty)
            let certificates = try await c.call(.get, "/api/v1/certifications", key: h.operatorKey).json.list
            #expect(certificates.compactMap { $0["merchantId"] as? String } == [h.merchantA.id.rawValue])
            #expect(try await c.call(.get, "/api/v1/certifications?merchantId=mer_nobody", key: h.operatorKey).json.list.isEmpty)
            let ofA = try await c.call(.get, "/api/v1/certifications?merchantId=\(h.merchantA.id.rawValue)", key: h.operatorKey).json.list
            #expect(ofA.count == 1)
            // A merchant cannot widen its view by naming another merchant.
            #expect(try await c.call(.get, "/api/v1/certifications?merchantId=\(h.merchantA.id.rawValue)", key: h.keyB).json.list.isEmpty)
        }
    }

    /// Issue 11 item 3: IDs are typed, so an ID of the wrong kind (a listing where a merchant is meant, a merchant where a
    /// listing is meant) is a validation error naming the field, in a write body and in a list filter alike.
    @Test func anIDOfTheWrongKindIsRefusedNamingTheField() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let listing = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: Self.body)
            #expect(listing.status == .created)
            let listingId = try #require(listing.json["id"] as? String)
            let penalty = #"{"merchantId":"\#(listingId)","violation":"prohibited","reason":"ivory","listingId":"\#(h.merchantA.id.rawValue)"}"#
            let r = try await c.call(.post, "/api/v1/penalties", key: h.operatorKey, json: penalty, headers: [.acceptLanguage: "zh-CN"])
            #expect(r.status == .unprocessableContent && r.json.fieldNames == ["merchantId", "listingId"])
            #expect(String(buffer: r.raw).contains("须为 mer_… 形式的编号"))
            for uri in ["/api/v1/penalties?merchantId=\(listingId)", "/api/v1/certifications?merchantId=\(listingId)",
                        "/api/v1/kyc-submissions?merchantId=\(listingId)", "/api/v1/webhooks?merchantId=\(listingId)"] {
                let q = try await c.call(.get, uri, key: h.operatorKey)
                #expect(q.status == .unprocessableContent && q.json.fieldNames == ["merchantId"], "\(uri): \(q.status)")
            }
            let report = try await c.call(.post, "/api/v1/takedowns", key: h.operatorKey,
                                          json: #"{"listingId":"\#(h.merchantA.id.rawValue)","category":"brand","reason":"counterfeit"}"#)
            #expect(report.status == .unprocessableContent && report.json.fieldNames == ["listingId"])
            // Nothing was written by the refused requests.
            #expect(try await c.call(.get, "/api/v1/penalties", key: h.operatorKey).json.list.isEmpty)
        }
    }
}
