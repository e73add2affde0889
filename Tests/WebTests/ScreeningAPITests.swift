import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Compliance
import NIOCore
import Testing
import TestSupport
import Web

/// POST /api/v1/screenings over the bundled default catalogue (CMP2).
@Suite struct ScreeningAPITests {
    @Test func screensWithTheBundledCatalogue() async throws {
        try await WebHarness.with { h, c in
            let r = try await c.call(.post, "/api/v1/screenings", key: h.keyA, json: """
                {"market":"US","title":"N.i.k.e Air Max running shoes","description":"carved ivory pendant","attributes":{"colour":"ivory white"}}
                """)
            #expect(r.status == .ok && r.json.str("verdict") == "reject")
            let findings = r.json["findings"] as? [[String: Any]] ?? []
            let brand = try #require(findings.first { $0["category"] as? String == "brand" && $0["field"] as? String == "title" })
            #expect(brand["start"] as? Int == 0 && brand["end"] as? Int == 7 && brand["matched"] as? String == "N.i.k.e")
            #expect(findings.contains { $0["category"] as? String == "prohibited" && $0["field"] as? String == "description" })
            #expect(!findings.contains { $0["field"] as? String == "attributes.colour" && $0["disposition"] as? String == "active" })
            let clean = try await c.call(.post, "/api/v1/screenings", key: h.keyA, json: #"{"market":"EU","title":"Organic cotton tote bag"}"#)
            #expect(clean.json.str("verdict") == "pass" && (clean.json["findings"] as? [Any])?.isEmpty == true)
            let zh = try await c.call(.post, "/api/v1/screenings", key: h.keyA, json: #"{"market":"CN","title":"全网最低价 國家級 电子烟"}"#)
            #expect(zh.json.str("verdict") == "reject")
        }
    }

    @Test func badInputIsNamed() async throws {
        try await WebHarness.with { h, c in
            let unknown = try await c.call(.post, "/api/v1/screenings", key: h.keyA, json: #"{"market":"MARS","title":"x"}"#,
                                           headers: [.acceptLanguage: "zh-CN"])
            #expect(unknown.status == .unprocessableContent && unknown.json.fieldNames == ["market"])
            let big = String(repeating: "b", count: ContentLimits.description + 1)
            let large = try await c.call(.post, "/api/v1/screenings", key: h.keyA, json: "{\"market\":\"US\",\"title\":\"x\",\"description\":\"\(big)\"}")
            #expect(large.status == .unprocessableContent && large.json.fieldNames == ["description"])
            var invalid = ByteBuffer(string: #"{"market":"US","title":""#)
            invalid.writeBytes([0xFF, 0xFE, 0x22, 0x7D])
            let utf8 = try await c.call(.post, "/api/v1/screenings", key: h.keyA, body: invalid, headers: [.contentType: "application/json"])
            #expect(utf8.status == .badRequest)
            let control = try await c.call(.post, "/api/v1/screenings", key: h.keyA, json: #"{"market":"US","title":"\u0000\u0007 N\u200bike \u202e"}"#)
            #expect(control.status == .ok && control.json.str("verdict") == "reject")
            #expect(try await c.call(.post, "/api/v1/screenings", key: nil, json: #"{"market":"US","title":"x"}"#).status == .unauthorized)
        }
    }
}
