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

/// Issue 10: invisible formatting characters in names are refused with 422.
extension SecurityHardeningTests {
    @Test func invisibleFormattingInNamesIsRefusedWith422() async throws {
        try await WebHarness.with { h, c in
            let r = try await c.call(.post, "/api/v1/merchants", key: h.operatorKey, json: #"{"name":"Apple\u202Emoc","country":"CN","contactEmail":"a@b.cn"}"#)
            #expect(r.status == .unprocessableContent && r.json.fieldNames == ["name"])
            let u = try await c.call(.post, "/api/v1/users", key: h.keyA, json: """
                {"email":"z@alpha.cn","displayName":"Zhou\\u200bMin","password":"long enough pw","role":"merchant-staff"}
                """, headers: [.acceptLanguage: "zh-CN"])
            #expect(u.status == .unprocessableContent && u.json.fieldNames == ["displayName"])
            #expect((u.json["errors"] as? [[String: Any]])?.first?["message"] as? String == "姓名含有不可见的格式字符（双向控制符或零宽字符）。")
        }
    }
}
