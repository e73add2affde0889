import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 12 items 8 and 9: operator and merchant admins manage people in the console: invite by e-mail (the link is
/// shown once when no e-mail goes out), change roles, deactivate; the invited person sets a password through the link.
/// A form with an error is shown again with what was typed and the error next to its field.
@Suite struct UsersConsoleTests {
    static func setLanguage(_ b: inout ConsoleTests.Browser, _ c: any TestClientProtocol, _ lang: Language) async throws {
        let token = try #require(ConsoleTests.csrf(try await b.send(c, .get, "/console").html))
        _ = try await b.send(c, .post, "/console/language", form: ["_csrf": token, "lang": lang.rawValue, "return": "/console"])
    }

    @Test func anAdminInvitesAPersonWhoSetsTheirPasswordThroughTheLink() async throws {
        try await WebHarness.with { h, c in
            #expect(try await DemoData.seed(h.services))
            let lamp = try #require(try await h.services.parties.merchants.list(MerchantListQuery(sort: "name", limit: 50), by: .system("t"))
                .items.first { $0.name.hasPrefix("Shenzhen Bright Lamp") })
            var admin = ConsoleTests.Browser()
            _ = try await admin.login(c, "admin@tradelane.local", DemoData.password)
            let page = try await admin.send(c, .get, "/console/users")
            #expect(page.status == .ok && page.html.contains("id=\"invite-user\"") && page.html.contains("Chen Jie"))
            // The merchant picker offers names (type-ahead), not ids to type.
            #expect(page.html.contains("<datalist id=\"merchant-choices\">") && page.html.contains(">\(lamp.name)</option>"))
            let token = try #require(ConsoleTests.csrf(page.html))
            let sent = try await admin.send(c, .post, "/console/users", form: [
                "_csrf": token, "email": "new.staff@lamp.cn", "displayName": "Liu Yang", "role": "merchant-staff",
                "merchant": "\(lamp.name) · \(lamp.id.rawValue)", "language": "zh-CN"])
            #expect(sent.status == .seeOther)
            let shown = try await admin.send(c, .get, "/console/users")
            let link = try #require(shown.html.components(separatedBy: "id=\"invite-link\">").dropFirst().first?.components(separatedBy: "<").first)
            #expect(link.contains("/console/invite/") && shown.html.contains("data-state=\"invited\""))
            // Shown once.
            #expect(!(try await admin.send(c, .get, "/console/users")).html.contains("id=\"invite-link\""))

            let path = String(link[link.range(of: "/console/invite/")!.lowerBound...])
            var invited = ConsoleTests.Browser()
            let form = try await invited.send(c, .get, path)
            #expect(form.status == .ok && form.html.contains("Liu Yang") && form.html.contains("new.staff@lamp.cn"))
            let csrf = try #require(ConsoleTests.csrf(form.html))
            let mismatch = try await invited.send(c, .post, path, form: ["_csrf": csrf, "password": "a long new password", "confirmation": "not the same one"])
            #expect(mismatch.status == .unprocessableContent)
            #expect(mismatch.html.contains("id=\"confirmation-error\" class=\"field-error\" role=\"alert\">The two passwords differ."))
            #expect(!mismatch.html.contains("a long new password"))
            let ok = try await invited.send(c, .post, path, form: ["_csrf": csrf, "password": "a long new password", "confirmation": "a long new password"])
            #expect(ok.status == .seeOther && ok.location == "/console/login")
            #expect(try await invited.login(c, "new.staff@lamp.cn", "a long new password").status == .seeOther)
            // The link is spent.
            var other = ConsoleTests.Browser()
            let spent = try await other.send(c, .get, path)
            #expect(spent.status == .gone && spent.html.contains("id=\"invite-invalid\""))
        }
    }

    @Test func aRejectedInvitationKeepsWhatWasTypedWithTheErrorNextToItsField() async throws {
        try await WebHarness.with { h, c in
            #expect(try await DemoData.seed(h.services))
            var admin = ConsoleTests.Browser()
            _ = try await admin.login(c, "admin@tradelane.local", DemoData.password)
            for lang in [Language.en, .zh] {
                try await Self.setLanguage(&admin, c, lang)
                let token = try #require(ConsoleTests.csrf(try await admin.send(c, .get, "/console/users").html))
                let bad = try await admin.send(c, .post, "/console/users", form: [
                    "_csrf": token, "email": "not-an-address", "displayName": "王小明", "role": "finance", "language": "zh-CN"])
                #expect(bad.status == .unprocessableContent)
                #expect(bad.html.contains("value=\"王小明\"") && bad.html.contains("value=\"not-an-address\""))
                #expect(bad.html.contains("<option value=\"finance\" selected>"))
                let error = try #require(bad.html.components(separatedBy: "id=\"inv-email-error\" class=\"field-error\" role=\"alert\">").dropFirst().first?
                    .components(separatedBy: "<").first)
                #expect(bad.html.contains("aria-describedby=\"inv-email-error\"") && bad.html.contains("<details id=\"invite-box\" open>"))
                #expect(lang == .zh ? error.unicodeScalars.contains { $0.value > 0x2E80 } : error.lowercased().contains("e-mail"), "\(error)")
            }
            #expect(try await h.services.parties.users.list(merchantId: nil, search: "王小明", limit: 10, after: nil, by: .system("t")).items.isEmpty)
        }
    }

    @Test func rolesAndDeactivationStayWithinTheAdminsReach() async throws {
        try await WebHarness.with { h, c in
            #expect(try await DemoData.seed(h.services))
            let users = try await h.services.parties.users.list(merchantId: nil, limit: 100, after: nil, by: .system("t")).items
            let zhou = try #require(users.first { $0.email == "silk@tradelane.local" })   // Hangzhou Silk Road's admin
            let finance = try #require(users.first { $0.email == "finance@tradelane.local" })
            let lampUser = try #require(users.first { $0.email == "lamp@tradelane.local" })
            let lampStaff = try await h.services.parties.users.create(UserInput(email: "staff@lamp.cn", displayName: "Staff Wang", password: "long enough password",
                                                                               role: "merchant-staff", merchantId: lampUser.merchantId?.rawValue, language: "en"), by: .system("t"))
            var lamp = ConsoleTests.Browser()
            _ = try await lamp.login(c, "lamp@tradelane.local", DemoData.password)
            let page = try await lamp.send(c, .get, "/console/users")
            #expect(page.status == .ok && page.html.contains("Staff Wang") && !page.html.contains("Zhou Min") && !page.html.contains("Operator Admin"))
            #expect(!page.html.contains("value=\"operator-admin\"") && page.html.contains("value=\"merchant-staff\""))
            let token = try #require(ConsoleTests.csrf(page.html))
            // Another merchant's user, an operator, a promotion to an operator role, and themselves: all refused.
            #expect(try await lamp.send(c, .post, "/console/users/\(zhou.id)/disable", form: ["_csrf": token]).status == .notFound)
            #expect(try await lamp.send(c, .post, "/console/users/\(finance.id)/role", form: ["_csrf": token, "role": "merchant-staff"]).status == .notFound)
            let promote = try await lamp.send(c, .post, "/console/users/\(lampStaff.id)/role", form: ["_csrf": token, "role": "operator-admin"])
            #expect(promote.status == .seeOther)
            #expect(try await h.services.parties.users.get(lampStaff.id, by: .system("t")).role == .merchantStaff)
            _ = try await lamp.send(c, .post, "/console/users/\(lampUser.id)/disable", form: ["_csrf": token])
            #expect(try await h.services.parties.users.get(lampUser.id, by: .system("t")).disabled == false)
            // Within reach: deactivating their own staff member works and ends that person's sessions.
            var staff = ConsoleTests.Browser()
            _ = try await staff.login(c, "staff@lamp.cn", "long enough password")
            #expect(try await staff.send(c, .get, "/console").status == .ok)
            #expect(try await lamp.send(c, .post, "/console/users/\(lampStaff.id)/disable", form: ["_csrf": token]).status == .seeOther)
            #expect(try await h.services.parties.users.get(lampStaff.id, by: .system("t")).disabled)
            #expect(try await staff.send(c, .get, "/console").status == .seeOther)
            // A role without user management sees no Users page at all, and cannot post to it.
            var fin = ConsoleTests.Browser()
            _ = try await fin.login(c, "finance@tradelane.local", DemoData.password)
            let home = try await fin.send(c, .get, "/console")
            #expect(!home.html.contains("id=\"nav-users\""))
            #expect(try await fin.send(c, .get, "/console/users").status == .forbidden)
            let finToken = try #require(ConsoleTests.csrf(home.html))
            let forged = try await fin.send(c, .post, "/console/users", form: ["_csrf": finToken, "email": "x@tl.cn", "displayName": "X", "role": "finance"])
            #expect(forged.status == .unprocessableContent || forged.status == .forbidden)
            #expect(try await h.services.parties.users.list(merchantId: nil, search: "x@tl.cn", limit: 10, after: nil, by: .system("t")).items.isEmpty)
        }
    }
}

/// Issue 12 item 8: an operator admin creates a merchant in the console; a refused form keeps its values.
@Suite struct NewMerchantConsoleTests {
    @Test func anOperatorAdminCreatesAMerchantAndAWeakerRoleCannot() async throws {
        try await WebHarness.with { h, c in
            #expect(try await DemoData.seed(h.services))
            var admin = ConsoleTests.Browser()
            _ = try await admin.login(c, "admin@tradelane.local", DemoData.password)
            #expect(try await admin.send(c, .get, "/console/merchants").html.contains("id=\"new-merchant-link\""))
            let form = try await admin.send(c, .get, "/console/merchants/new")
            #expect(form.status == .ok && form.html.contains("<option value=\"CN\" selected>") && form.html.contains("<option value=\"CNY\" selected>"))
            let token = try #require(ConsoleTests.csrf(form.html))
            let bad = try await admin.send(c, .post, "/console/merchants", form: ["_csrf": token, "name": "Xiamen Tea House", "country": "VN",
                                                                               "contactEmail": "tea@", "settlementCurrency": "USD"])
            #expect(bad.status == .unprocessableContent && bad.html.contains("value=\"Xiamen Tea House\""))
            #expect(bad.html.contains("<option value=\"VN\" selected>") && bad.html.contains("<option value=\"USD\" selected>"))
            #expect(bad.html.contains("id=\"m-email-error\" class=\"field-error\" role=\"alert\">"))
            let ok = try await admin.send(c, .post, "/console/merchants", form: ["_csrf": token, "name": "Xiamen Tea House", "country": "CN",
                                                                              "contactEmail": "tea@xiamen.cn", "settlementCurrency": "CNY"])
            #expect(ok.status == .seeOther && ok.location?.hasPrefix("/console/merchants/mer_") == true)
            let created = try await h.services.parties.merchants.list(MerchantListQuery(query: "Xiamen Tea", limit: 5), by: .system("t")).items
            #expect(created.map(\.status) == [.onboarding])

            var officer = ConsoleTests.Browser()
            _ = try await officer.login(c, "compliance@tradelane.local", DemoData.password)
            let list = try await officer.send(c, .get, "/console/merchants")
            #expect(!list.html.contains("id=\"new-merchant-link\""))
            #expect(try await officer.send(c, .get, "/console/merchants/new").status == .forbidden)
            let officerToken = try #require(ConsoleTests.csrf(list.html))
            _ = try await officer.send(c, .post, "/console/merchants", form: ["_csrf": officerToken, "name": "Sneaky Shop", "country": "CN",
                                                                            "contactEmail": "s@s.cn", "settlementCurrency": "CNY"])
            #expect(try await h.services.parties.merchants.list(MerchantListQuery(query: "Sneaky", limit: 5), by: .system("t")).items.isEmpty)
        }
    }
}
