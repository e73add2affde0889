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

/// Issue 10: numbers and duplicate keys in JSON bodies name the field.
extension SecurityHardeningTests {
    @Test func numbersAndDuplicateKeysNameTheField() async throws {
        try await WebHarness.with { h, c in
            for (points, field) in [("1.5", "points"), ("1e400", "points"), ("99999999999999999999", "points")] {
                let r = try await c.call(.post, "/api/v1/penalties", key: h.operatorKey, json: """
                    {"merchantId":"\(h.merchantA.id.rawValue)","violation":"false-advertising","points":\(points),"reason":"r"}
                    """)
                #expect(r.status == .unprocessableContent && r.json.fieldNames == [field], "\(points): \(r.status) \(r.json)")
                #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            }
            let dup = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey,
                                       json: #"{"name":"Gamma","country":"CN","contactEmail":"g@g.cn","name":"Delta"}"#)
            #expect(dup.status == .unprocessableContent && dup.json.fieldNames == ["name"])
            #expect((dup.json["errors"] as? [[String: Any]])?.first?["code"] as? String == "duplicate-key")
            let escaped = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey,
                                           json: #"{"name":"Gamma","country":"CN","contactEmail":"g@g.cn","n\u0061me":"Delta"}"#)
            #expect(escaped.status == .unprocessableContent && escaped.json.fieldNames == ["name"])
            #expect(try await h.count("merchants") == 2)
            #expect(JSONKeyScan.scan(Data(#"{"a":{"b":1,"c":[{"d":1,"d":2}]},"b":2}"#.utf8)).duplicateKey == "a.c[0].d")
            #expect(JSONKeyScan.scan(Data(#"{"a":"x:y","b":"a","c":["a","a"]}"#.utf8)).duplicateKey == nil)
        }
    }

    /// The scan also runs on text the JSON parser refused: arbitrary fragments must never trap (no 5xx).
    @Test func keyScanSurvivesTruncatedAndHostileText() {
        let alphabet = Array(#"{}[]":,\"ab1.-eE \#u{00}"#.utf8) + [0xE5, 0xAF, 0x86]
        var rng = SystemRandomNumberGenerator()
        var scanned = 0
        for length in 0..<200 {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
                _ = JSONKeyScan.scan(Data(bytes))
                scanned += 1
            }
        }
        #expect(scanned == 4000)
        #expect(JSONKeyScan.scan(Data(#"{"a":1,"a":"#.utf8)).duplicateKey == "a")
        #expect(JSONKeyScan.scan(Data(#"{""#.utf8)).duplicateKey == nil)
    }
}
