import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import SQLKit
import Testing
import TestSupport
import Web

/// Issue 12 item 11 through the console: the Account page (two-factor enrolment, sessions, password), the second
/// log-in step, enrolment forced for operators in production mode, and the attacks on each.
@Suite struct AccountSecurityTests {
    typealias Browser = ConsoleTests.Browser
    static let password = "account password 1"

    func user(_ h: WebHarness, _ email: String, role: String, merchant: Merchant? = nil, lang: String = "en") async throws -> User {
        try await h.services.parties.users.create(UserInput(email: email, displayName: "Person \(email.prefix { $0 != "@" })", password: Self.password,
                                                            role: role, merchantId: merchant?.id.rawValue, language: lang), by: .system("t"))
    }

    /// Text of the first element with this id (`<x id="…" …>text</x>`).
    static func element(_ html: String, id: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\"") else { return nil }
        let afterTag = html[start.upperBound...].drop { $0 != ">" }.dropFirst()
        return String(afterTag.prefix { $0 != "<" })
    }

    static func all(_ html: String, between open: String, and close: String) -> [String] {
        html.components(separatedBy: open).dropFirst().map { $0.components(separatedBy: close)[0] }
    }

    /// Enrols the signed-in browser's user on the Account page; returns the typed key and the recovery codes shown.
    func enrol(_ b: inout Browser, _ c: any TestClientProtocol, _ h: WebHarness) async throws -> (key: String, codes: [String]) {
        let page = try await b.send(c, .get, "/console/account")
        let started = try await b.send(c, .post, "/console/account/two-factor/start", form: ["_csrf": ConsoleTests.csrf(page.html) ?? ""])
        #expect(started.status == .seeOther)
        let enrolPage = try await b.send(c, .get, "/console/account")
        let key = try #require(Self.element(enrolPage.html, id: "otp-secret")).replacingOccurrences(of: " ", with: "")
        let uri = try #require(Self.element(enrolPage.html, id: "otpauth-uri"))
        #expect(uri.hasPrefix("otpauth://totp/") && uri.contains("secret=\(key)"))
        let confirmed = try await b.send(c, .post, "/console/account/two-factor/confirm",
                                         form: ["_csrf": ConsoleTests.csrf(enrolPage.html) ?? "", "code": RFC6238.code(base32: key, at: h.clock.now())])
        #expect(confirmed.status == .ok && confirmed.html.contains("id=\"recovery-codes\""))
        let codes = Self.all(confirmed.html, between: "<code class=\"recovery-code\">", and: "</code>")
        #expect(codes.count == 10)
        h.clock.advance(by: 60)
        return (key, codes)
    }

    @Test(arguments: ["en", "zh-CN"]) func enrolOnTheAccountPageThenLogInWithACode(lang: String) async throws {
        try await WebHarness.with { h, c in
            _ = try await user(h, "li@op.example", role: "compliance-officer", lang: lang)
            var b = Browser()
            _ = try await b.login(c, "li@op.example", Self.password)
            // The header's name links to the Account page.
            let dash = try await b.send(c, .get, "/console")
            #expect(dash.html.contains("id=\"account-link\" href=\"/console/account\""))
            let page = try await b.send(c, .get, "/console/account")
            #expect(page.status == .ok && page.html.contains("id=\"start-enrolment\"") && !page.html.contains("{{"))
            #expect(page.html.contains(lang == "en" ? "Two-factor sign-in" : "两步验证"))
            #expect(!page.html.contains(">account") && !page.html.contains("accountTitle"))
            _ = try await b.send(c, .post, "/console/account/two-factor/start", form: ["_csrf": ConsoleTests.csrf(page.html) ?? ""])
            let enrolPage = try await b.send(c, .get, "/console/account")
            let key = try #require(Self.element(enrolPage.html, id: "otp-secret")).replacingOccurrences(of: " ", with: "")
            // A wrong first code: the error next to the field, announced; two-factor stays off.
            let right = RFC6238.code(base32: key, at: h.clock.now())
            let wrongCode = right == "123456" ? "654321" : "123456"
            let wrong = try await b.send(c, .post, "/console/account/two-factor/confirm", form: ["_csrf": ConsoleTests.csrf(enrolPage.html) ?? "", "code": wrongCode])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.html.contains("id=\"code-error\" class=\"error-text\" role=\"alert\"") && wrong.html.contains("aria-describedby=\"code-error\""))
            #expect(wrong.html.contains(lang == "en" ? "That code is not right" : "验证码不正确") && !wrong.html.contains("value=\"\(wrongCode)\""))
            let ok = try await b.send(c, .post, "/console/account/two-factor/confirm", form: ["_csrf": ConsoleTests.csrf(enrolPage.html) ?? "", "code": right])
            #expect(ok.status == .ok && ok.html.contains("id=\"two-factor-enabled\""))
            let codes = Self.all(ok.html, between: "<code class=\"recovery-code\">", and: "</code>")
            #expect(codes.count == 10)
            // Shown once: the page does not show them again.
            let again = try await b.send(c, .get, "/console/account")
            #expect(!again.html.contains("class=\"recovery-code\"") && again.html.contains("id=\"recovery-left\">10<"))
            _ = try await b.send(c, .post, "/console/logout", form: ["_csrf": ConsoleTests.csrf(again.html) ?? ""])
            h.clock.advance(by: 60)

            // The password leads to the second step, not to a session.
            var fresh = Browser()
            let first = try await fresh.login(c, "li@op.example", Self.password)
            #expect(first.status == .seeOther && first.location == "/console/login/verify" && fresh.cookies["tl_session"] == nil)
            let verify = try await fresh.send(c, .get, "/console/login/verify")
            #expect(verify.status == .ok && verify.html.contains("id=\"verify-form\"") && verify.html.contains("autocomplete=\"one-time-code\""))
            let anon = try await fresh.send(c, .get, "/console")
            #expect(anon.status == .seeOther && anon.location == "/console/login")
            let refused = try await fresh.send(c, .post, "/console/login/verify", form: ["_csrf": ConsoleTests.csrf(verify.html) ?? "", "code": "000000" == RFC6238.code(base32: key, at: h.clock.now()) ? "111111" : "000000"])
            #expect(refused.status == .unauthorized && refused.html.contains("id=\"code-error\"") && refused.html.contains("role=\"alert\""))
            let code = RFC6238.code(base32: key, at: h.clock.now())
            let signedIn = try await fresh.send(c, .post, "/console/login/verify", form: ["_csrf": ConsoleTests.csrf(verify.html) ?? "", "code": code])
            #expect(signedIn.status == .seeOther && signedIn.location == "/console" && fresh.cookies["tl_session"] != nil)
            #expect(try await fresh.send(c, .get, "/console").status == .ok)

            // Replay: the same code on a new log-in is refused; a recovery code works once.
            var replay = Browser()
            _ = try await replay.login(c, "li@op.example", Self.password)
            let replayPage = try await replay.send(c, .get, "/console/login/verify")
            let replayed = try await replay.send(c, .post, "/console/login/verify", form: ["_csrf": ConsoleTests.csrf(replayPage.html) ?? "", "code": code])
            #expect(replayed.status == .unauthorized && replay.cookies["tl_session"] == nil)
            let recovered = try await replay.send(c, .post, "/console/login/verify", form: ["_csrf": ConsoleTests.csrf(replayPage.html) ?? "", "code": codes[0]])
            #expect(recovered.status == .seeOther && replay.cookies["tl_session"] != nil)
            var reuse = Browser()
            _ = try await reuse.login(c, "li@op.example", Self.password)
            let reusePage = try await reuse.send(c, .get, "/console/login/verify")
            let reused = try await reuse.send(c, .post, "/console/login/verify", form: ["_csrf": ConsoleTests.csrf(reusePage.html) ?? "", "code": codes[0]])
            #expect(reused.status == .unauthorized && reuse.cookies["tl_session"] == nil)
        }
    }

    @Test func inProductionAnOperatorWithoutTwoFactorReachesOnlyTheAccountPage() async throws {
        try await WebHarness.with(configure: { $0.mode = .production }) { h, c in
            _ = try await user(h, "ops@op.example", role: "operator-admin")
            let other = try await user(h, "other@op.example", role: "finance")
            _ = try await user(h, "shop@alpha.example", role: "merchant-admin", merchant: h.merchantA)
            var b = Browser()
            let login = try await b.login(c, "ops@op.example", Self.password)
            #expect(login.status == .seeOther && login.location == "/console/account")
            let keysBefore = try await h.count("api_keys")
            for path in ["/console", "/console/merchants", "/console/kyc", "/console/api-keys", "/console/jobs", "/console/inbox", "/console/takedowns",
                         "/console/catalogue", "/console/webhooks", "/console/merchants/\(h.merchantA.id)", "/console/login/verify"] {
                let r = try await b.send(c, .get, path)
                #expect(r.status == .seeOther && r.location == "/console/account", "\(path) must send to enrolment")
            }
            let account = try await b.send(c, .get, "/console/account")
            #expect(account.status == .ok && account.html.contains("id=\"must-enrol\"") && account.html.contains("role=\"alert\""))
            let csrf = ConsoleTests.csrf(account.html) ?? ""
            for (path, form) in [("/console/api-keys", ["name": "x", "role": "operator-admin"]), ("/console/users/\(other.id)/reset-two-factor", [:]),
                                 ("/console/merchants/\(h.merchantA.id)/close", [:])] {
                let r = try await b.send(c, .post, path, form: form.merging(["_csrf": csrf]) { a, _ in a })
                #expect(r.status == .seeOther && r.location == "/console/account", "POST \(path) must send to enrolment")
            }
            #expect(try await h.count("api_keys") == keysBefore)
            // After enrolling, the console opens.
            _ = try await enrol(&b, c, h)
            #expect(try await b.send(c, .get, "/console/merchants").status == .ok)
            // A merchant admin is not forced (optional for merchant roles).
            var shop = Browser()
            let shopLogin = try await shop.login(c, "shop@alpha.example", Self.password)
            let shopPage = try await shop.send(c, .get, "/console/merchants")
            #expect(shopLogin.location == "/console" && shopPage.status == .ok)
        }
    }

    @Test func aPersonSeesTheirSessionsAndCannotEndAnotherPersons() async throws {
        try await WebHarness.with { h, c in
            _ = try await user(h, "a@op.example", role: "finance")
            _ = try await user(h, "b@op.example", role: "finance")
            var a1 = Browser(), a2 = Browser(), bb = Browser()
            _ = try await a1.login(c, "a@op.example", Self.password)
            _ = try await a2.login(c, "a@op.example", Self.password)
            _ = try await bb.login(c, "b@op.example", Self.password)
            let page = try await a1.send(c, .get, "/console/account")
            let ids = Self.all(page.html, between: "data-session-id=\"", and: "\"")
            #expect(ids.count == 2 && page.html.contains("id=\"this-session\"") && page.html.contains("id=\"end-other-sessions\""))
            let current = try #require(page.html.components(separatedBy: "data-session-id=\"").dropFirst().first { $0.contains("id=\"this-session\"") }?
                .prefix { $0 != "\"" })
            let a2Id = try #require(ids.first { $0 != String(current) })
            #expect(page.html.contains("data-confirm=") && page.html.contains("action=\"/console/account/sessions/\(a2Id)/revoke\""))
            // Attack: B posts the end of A's second session.
            let bPage = try await bb.send(c, .get, "/console/account")
            let attack = try await bb.send(c, .post, "/console/account/sessions/\(a2Id)/revoke", form: ["_csrf": ConsoleTests.csrf(bPage.html) ?? ""])
            #expect(attack.status == .seeOther)
            let flash = try await bb.send(c, .get, "/console/account")
            #expect(flash.html.contains("id=\"flash\" class=\"flash error\""))
            #expect(try await a2.send(c, .get, "/console").status == .ok)
            // A ends it.
            let ended = try await a1.send(c, .post, "/console/account/sessions/\(a2Id)/revoke", form: ["_csrf": ConsoleTests.csrf(page.html) ?? ""])
            #expect(ended.status == .seeOther)
            let gone = try await a2.send(c, .get, "/console")
            #expect(gone.status == .seeOther && gone.location == "/console/login")
            #expect(try await a1.send(c, .get, "/console").status == .ok)
            let actions = try await AuditLog.recent(h.services.db, merchantId: nil, limit: 10).map(\.action)
            #expect(actions.contains("session.revoked"))
        }
    }

    @Test func aMerchantAdminCannotResetTwoFactorAnOperatorAdminCanAfterAsking() async throws {
        try await WebHarness.with { h, c in
            _ = try await user(h, "shop@alpha.example", role: "merchant-admin", merchant: h.merchantA)
            let staff = try await user(h, "staff@alpha.example", role: "merchant-staff", merchant: h.merchantA)
            _ = try await user(h, "boss@op.example", role: "operator-admin")
            var s = Browser()
            _ = try await s.login(c, "staff@alpha.example", Self.password)
            _ = try await enrol(&s, c, h)
            var shop = Browser()
            _ = try await shop.login(c, "shop@alpha.example", Self.password)
            let shopPage = try await shop.send(c, .get, "/console/account")
            #expect(!shopPage.html.contains("id=\"two-factor-users\""))
            let refused = try await shop.send(c, .post, "/console/users/\(staff.id)/reset-two-factor", form: ["_csrf": ConsoleTests.csrf(shopPage.html) ?? ""])
            #expect(refused.status == .seeOther)
            #expect(try await shop.send(c, .get, "/console/account").html.contains("flash error"))
            var again = Browser()
            #expect(try await again.login(c, "staff@alpha.example", Self.password).location == "/console/login/verify")
            // Nor through the API with the merchant admin's key.
            let apiRefused = try await c.call(.post, "/api/v1/users/\(staff.id)/reset-two-factor", key: h.keyA)
            #expect(apiRefused.status == .forbidden && (apiRefused.json.str("detail") ?? "").contains("users.reset-two-factor"))

            var boss = Browser()
            _ = try await boss.login(c, "boss@op.example", Self.password)
            let bossPage = try await boss.send(c, .get, "/console/account")
            #expect(bossPage.html.contains("data-user-id=\"\(staff.id)\"") && bossPage.html.contains("Reset two-factor sign-in of Person staff (staff@alpha.example)?"))
            let reset = try await boss.send(c, .post, "/console/users/\(staff.id)/reset-two-factor", form: ["_csrf": ConsoleTests.csrf(bossPage.html) ?? ""])
            #expect(reset.status == .seeOther)
            #expect(try await boss.send(c, .get, "/console/account").html.contains("Two-factor sign-in of Person staff was reset."))
            var after = Browser()
            #expect(try await after.login(c, "staff@alpha.example", Self.password).location == "/console")
            // Already off: the API says so.
            let off = try await c.call(.post, "/api/v1/users/\(staff.id)/reset-two-factor", key: h.operatorKey)
            #expect(off.status == .conflict && off.json.str("type")?.hasSuffix("two-factor-off") == true)
            #expect(try await s.send(c, .get, "/console").location == "/console/login")
        }
    }

    @Test(arguments: ["en", "zh-CN"]) func passwordChangeShowsErrorsAtTheFieldAndEndsOtherSessions(lang: String) async throws {
        try await WebHarness.with { h, c in
            _ = try await user(h, "pw@op.example", role: "finance", lang: lang)
            var b = Browser(), other = Browser()
            _ = try await b.login(c, "pw@op.example", Self.password)
            _ = try await other.login(c, "pw@op.example", Self.password)
            let page = try await b.send(c, .get, "/console/account")
            let csrf = ConsoleTests.csrf(page.html) ?? ""
            let wrong = try await b.send(c, .post, "/console/account/password",
                                         form: ["_csrf": csrf, "currentPassword": "not it at all", "newPassword": "new password 22", "confirmPassword": "new password 22"])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.html.contains("id=\"current-password-error\" class=\"error-text\" role=\"alert\""))
            #expect(wrong.html.contains(lang == "en" ? "The current password is not right." : "当前密码不正确。"))
            #expect(!wrong.html.contains("not it at all") && !wrong.html.contains("new password 22"))
            let short = try await b.send(c, .post, "/console/account/password",
                                         form: ["_csrf": csrf, "currentPassword": Self.password, "newPassword": "short", "confirmPassword": "short"])
            #expect(short.status == .unprocessableContent && short.html.contains("id=\"new-password-error\""))
            #expect(short.html.contains(lang == "en" ? "at least 10 characters" : "新密码至少需要 10 个字符。") && !short.html.contains("newPassword 至少"))
            let changed = try await b.send(c, .post, "/console/account/password",
                                           form: ["_csrf": csrf, "currentPassword": Self.password, "newPassword": "new password 22", "confirmPassword": "new password 22"])
            #expect(changed.status == .seeOther)
            #expect(try await b.send(c, .get, "/console/account").status == .ok)
            #expect(try await other.send(c, .get, "/console").location == "/console/login")
            var next = Browser()
            #expect(try await next.login(c, "pw@op.example", "new password 22").location == "/console")
            let actions = try await AuditLog.recent(h.services.db, merchantId: nil, limit: 10).map(\.action)
            #expect(actions.contains("user.password-changed"))
        }
    }
}
