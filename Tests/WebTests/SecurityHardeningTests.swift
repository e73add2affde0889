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

/// Issue 10: each attack of the outside test, reproduced against the router, now fails (K3, K6).
@Suite struct SecurityHardeningTests {
    typealias Browser = ConsoleTests.Browser

    func seedUser(_ h: WebHarness) async throws {
        _ = try await h.services.parties.users.create(UserInput(email: "reviewer@tl.cn", displayName: "Reviewer", password: "reviewer password",
                                                                role: "compliance-officer", language: "en"), by: .system("t"))
    }

    @Test func consoleLoginIsThrottledWith429AndRetryAfter() async throws {
        try await WebHarness.with { h, c in
            try await seedUser(h)
            var b = Browser()
            var statuses: [HTTPResponse.Status] = []
            for i in 0..<60 { statuses.append(try await b.login(c, "reviewer@tl.cn", "wrong \(i)").status) }
            #expect(statuses.prefix(5).allSatisfy { $0 == .unauthorized } && statuses.dropFirst(5).allSatisfy { $0 == .tooManyRequests })
            // The right password straight after the burst is refused too, with a wait and a message in the page's language.
            let page = try await b.send(c, .get, "/console/login")
            let token = try #require(ConsoleTests.csrf(page.html))
            var headers: HTTPFields = [.accept: "text/html", .contentType: "application/x-www-form-urlencoded", .cookie: b.header]
            headers[.acceptLanguage] = "en"
            let (status, retry, html) = try await c.execute(uri: "/console/login", method: .post, headers: headers,
                                                            body: ByteBuffer(string: "email=reviewer%40tl.cn&password=reviewer+password&_csrf=\(token)")) { res in
                (res.status, res.headers[HTTPField.Name("Retry-After")!], String(buffer: res.body))
            }
            #expect(status == .tooManyRequests && b.cookies["tl_session"] == nil)
            #expect(Int(retry ?? "") .map { $0 > 0 && $0 <= 60 } == true)
            #expect(html.contains("id=\"login-throttled\"") && html.contains("Try again in 1 minute"))
            b.cookies["tl_lang"] = "zh-CN"
            let zh = try await b.login(c, "reviewer@tl.cn", "reviewer password")
            #expect(zh.status == .tooManyRequests && zh.html.contains("分钟后再试"))
            h.clock.advance(by: 61)
            #expect(try await b.login(c, "reviewer@tl.cn", "reviewer password").status == .seeOther && b.cookies["tl_session"] != nil)
        }
    }
}
