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

/// Issue 10: the console login form carries a pre-session CSRF token (double submit) that is checked.
extension SecurityHardeningTests {
    @Test func loginFormCSRFTokenIsChecked() async throws {
        try await WebHarness.with { h, c in
            try await seedUser(h)
            var b = Browser()
            let form = ["email": "reviewer@tl.cn", "password": "reviewer password"]
            // A cross-site form post has no login cookie; a forged or missing token is refused.
            #expect(try await b.send(c, .post, "/console/login", form: form).status == .forbidden)
            let page = try await b.send(c, .get, "/console/login")
            let token = try #require(ConsoleTests.csrf(page.html))
            #expect(b.cookies[ConsoleRoutes.loginCSRFCookie] == token && token.count >= 40)
            #expect(try await b.send(c, .post, "/console/login", form: form.merging(["_csrf": "forged"]) { $1 }).status == .forbidden)
            #expect(try await b.send(c, .post, "/console/login", form: form).status == .forbidden)
            var other = Browser()
            _ = try await other.send(c, .get, "/console/login")
            #expect(try await other.send(c, .post, "/console/login", form: form.merging(["_csrf": token]) { $1 }).status == .forbidden)
            #expect(other.cookies["tl_session"] == nil && b.cookies["tl_session"] == nil)
            let ok = try await b.send(c, .post, "/console/login", form: form.merging(["_csrf": token]) { $1 })
            #expect(ok.status == .seeOther && b.cookies["tl_session"] != nil && b.cookies[ConsoleRoutes.loginCSRFCookie] == nil)
        }
    }
}
