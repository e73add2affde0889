import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import NIOCore
import Testing
import TestSupport
@testable import Web

/// CMP2, issue 10 item 5: one request cannot buy unbounded CPU, memory or response size. Oversized fields are 422
/// naming the field (zh and en), findings are capped with counts of what was cut, and a full compute pool answers
/// 503 with Retry-After.
@Suite struct HostileInputTests {
    /// A 19,000-character description of brand words: thousands of hits before the caps.
    static let brandWords = String(repeating: "Nike Rolex Gucci ", count: 1_100)

    @Test func oversizedScreeningFieldsAreNamed() async throws {
        try await WebHarness.with { h, c in
            let attrs = (0..<10_000).map { "\"k\($0)\":\"v\"" }.joined(separator: ",")
            let long = String(repeating: "a", count: ContentLimits.title + 1)
            let r = try await c.call(.post, "/api/v1/screenings", key: h.keyA,
                                     json: #"{"market":"US","title":"\#(long)","attributes":{\#(attrs)}}"#, headers: [.acceptLanguage: "zh-CN"])
            #expect(r.status == .unprocessableContent)
            #expect(r.json.fieldNames == ["title", "attributes"])
            #expect(String(buffer: r.raw).contains("标题最多 500 个字符"))
            let en = try await c.call(.post, "/api/v1/screenings", key: h.keyA,
                                      json: #"{"market":"US","title":"x","imageTexts":["\#(String(repeating: "i", count: 2_001))"]}"#)
            #expect(en.status == .unprocessableContent && en.json.fieldNames == ["imageTexts[0]"])
            #expect(String(buffer: en.raw).contains("imageTexts[0] must be at most 2000 characters"))
        }
    }

    @Test func screeningFindingsAreCappedWithCounts() async throws {
        try await WebHarness.with { h, c in
            let r = try await c.call(.post, "/api/v1/screenings", key: h.keyA,
                                     json: #"{"market":"US","title":"Running shoes","description":"\#(Self.brandWords)"}"#)
            #expect(r.status == .ok)
            #expect(r.json.str("verdict") == "reject")
            let findings = try #require(r.json["findings"] as? [[String: Any]])
            let omitted = try #require(r.json["omittedFindings"] as? Int)
            #expect(findings.count <= 200 && r.json["truncated"] as? Bool == true)
            #expect(Dictionary(grouping: findings, by: { $0["ruleId"] as? String ?? "" }).values.allSatisfy { $0.count <= 20 })
            #expect(findings.count + omitted >= 3_300)   // every brand word was found, and counted
            #expect(r.raw.readableBytes < 200_000)        // not megabytes
            let small = try await c.call(.post, "/api/v1/screenings", key: h.keyA, json: #"{"market":"US","title":"Nike shoes"}"#)
            #expect(small.json["truncated"] as? Bool == false && small.json["omittedFindings"] as? Int == 0)
        }
    }

    @Test func listingLimitsAndCappedFindings() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            func body(_ description: String, attributes: String = #"{"size":"M"}"#, alt: String = "shoe") -> String {
                #"{"title":"Shoes","description":"\#(description)","attributes":\#(attributes),"images":[{"url":"https://cdn.example/s.jpg","alt":"\#(alt)"}],"price":{"amount":"10.00","currency":"USD"},"originCountry":"CN","markets":["US","EU"],"unit":"1 pair","variationNotice":"Colour may vary.","responsiblePerson":"RP B.V., Amsterdam"}"#
            }
            let attrs = "{" + (0..<10_000).map { "\"k\($0)\":\"v\"" }.joined(separator: ",") + "}"
            let tooMany = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: body("x", attributes: attrs))
            #expect(tooMany.status == .unprocessableContent && tooMany.json.fieldNames == ["attributes"])
            let big = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: body(String(repeating: "d", count: 100_000)),
                                       headers: [.acceptLanguage: "zh-CN"])
            #expect(big.status == .unprocessableContent && big.json.fieldNames == ["description"])
            #expect(String(buffer: big.raw).contains("描述最多 20000 个字符"))
            let alt = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: body("x", alt: String(repeating: "a", count: 2_001)))
            #expect(alt.status == .unprocessableContent && alt.json.fieldNames == ["images[0].alt"])
            #expect(try await h.count("listings") == 0)

            let created = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: body(Self.brandWords))
            #expect(created.status == .created)
            let findings = try #require(created.json["findings"] as? [[String: Any]])
            let omitted = try #require(created.json["omittedFindings"] as? Int)
            #expect(findings.count <= 201 && omitted > 6_000)   // two markets × ~3,300 hits
            #expect(created.json.str("verdict") == "reject")
            let note = findings.first { $0["ruleId"] as? String == "findings-omitted" }
            #expect(note?["matched"] as? String == String(omitted) && note?["disposition"] as? String == "note")
            let list = try await c.call(.get, "/api/v1/listings", key: h.keyA)
            #expect(list.json.list.first?["omittedFindings"] as? Int == omitted)
            #expect(list.raw.readableBytes < 300_000)
        }
    }

    @Test func aFullComputePoolAnswers503WithRetryAfter() async throws {
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware { ProblemMiddleware(views: nil) }
        router.post("busy") { _, _ -> Response in throw ComputeBusyError(retryAfterSeconds: 1) }
        try await Application(router: router).test(.router) { c in
            let r = try await c.call(.post, "/busy", key: nil, headers: [.acceptLanguage: "zh-CN"])
            #expect(r.status == .serviceUnavailable)
            #expect(r.headers[.retryAfter] == "1")
            #expect(r.json.str("code") == "busy" && r.json.str("title") == "服务器繁忙")
        }
    }
}
