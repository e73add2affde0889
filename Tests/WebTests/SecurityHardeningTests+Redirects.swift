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

/// Issue 10: the language switch redirects only to same-site paths.
extension SecurityHardeningTests {
    @Test func languageSwitchOnlyRedirectsWithinTheSite() async throws {
        try await WebHarness.with { _, c in
            var b = Browser()
            for evil in ["/\\evil.example", "//evil.example", "https://evil.example", "/%5Cevil.example", "/%2F%2Fevil.example",
                         "%2F%2Fevil.example", "/\t/evil.example", "\\\\evil.example", "/%252F%252Fevil.example", "javascript:alert(1)",
                         " /evil", "/\u{202E}evil"] {
                let r = try await b.send(c, .post, "/console/language", form: ["lang": "en", "return": evil])
                #expect(r.status == .seeOther && r.location == "/console", "\(evil)")
            }
            let ok = try await b.send(c, .post, "/console/language", form: ["lang": "en", "return": "/console/merchants?q=Alpha&sort=name"])
            #expect(ok.location == "/console/merchants?q=Alpha&sort=name")
            #expect(SafeRedirect.localPath("/notices") == "/notices" && SafeRedirect.localPath("/a/b/../c") == "/a/b/../c")
        }
    }
}
