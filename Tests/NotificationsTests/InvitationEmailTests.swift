import Foundation
import Kernel
import Notifications
import Parties
import SQLKit
import Testing
import TestSupport

/// Issue 12 item 8: a person invited by e-mail gets a link that works once, for 7 days; the link exists in clear only
/// in the e-mail (sealed at rest, shown as "sent by e-mail" in the inbox) and its token only as a digest.
@Suite struct InvitationEmailTests {
    @Test func theInvitationLinkIsSealedAtRestWorksOnceAndExpires() async throws {
        try await NotificationsHarness.with { h in
            var settings = PartiesSettings()
            settings.bcryptCost = 4
            let parties = PartiesServices(PartiesContext(db: h.db, clock: h.clock, cipher: TestFixtures.cipher, settings: settings, notifier: h.service))
            let admin = try await h.user("admin@tl.cn", .operatorAdmin)
            let shop = try await h.merchant("Lamp Shop")
            let sent = try await parties.invitations.invite(
                UserInput(email: "li@lamp.cn", displayName: "Li Na", role: "merchant-admin", merchantId: shop.id.rawValue, language: "zh-CN"),
                linkBase: "https://console.example.cn/", by: h.principal(admin))
            #expect(sent.link.hasPrefix("https://console.example.cn/console/invite/"))
            let token = String(sent.link.split(separator: "/").last!)
            // Nobody can sign in before the link is used, whatever password they try.
            #expect(try await parties.users.authenticate(email: "li@lamp.cn", password: "long enough password") == nil)

            // At rest: no table holds the token or the link in clear.
            let dump = try await h.db.read { sql in
                var text = ""
                for table in ["user_invitations", "notifications", "audit_log", "jobs"] {
                    for row in try await sql.raw("SELECT * FROM \(unsafeRaw: table)").all() {
                        for column in row.allColumns { text += (try? row.decode(column: column, as: String?.self) ?? "") ?? "" }
                    }
                }
                return text
            }
            #expect(!dump.contains(token) && dump.contains(Digest.sha256Hex(token)))
            let inbox = try await h.inbox(sent.user)
            #expect(inbox.count == 1 && inbox[0].body.contains("（已通过邮件发送）") && inbox[0].subject == "邀请您加入 Tradelane")

            // The e-mail carries the link, in the invited person's language.
            #expect(try await h.runner.drain() == 1)
            let mail = try #require(h.sink.messages.first { $0.rcptTo == ["li@lamp.cn"] })
            #expect(mail.bodyText.contains(sent.link) && mail.bodyText.contains("商户管理员"))

            // Mismatched repetition: refused naming the field, nothing spent.
            await #expect(throws: ValidationError.self) {
                _ = try await parties.invitations.accept(token: token, password: "a long new password", confirmation: "another one entirely")
            }
            let user = try await parties.invitations.accept(token: token, password: "a long new password", confirmation: "a long new password")
            #expect(user.id == sent.user.id)
            #expect(try await parties.users.authenticate(email: "li@lamp.cn", password: "a long new password")?.id == sent.user.id)
            // Once only.
            await #expect(throws: CommonError.self) {
                _ = try await parties.invitations.accept(token: token, password: "an attacker's password", confirmation: "an attacker's password")
            }

            // A second person's link dies after 7 days, and a new link replaces an old one.
            let late = try await parties.invitations.invite(UserInput(email: "wu@tl.cn", displayName: "Wu", role: "finance", language: "en"),
                                                           linkBase: "https://console.example.cn", by: h.principal(admin))
            let again = try await parties.invitations.resend(late.user.id, linkBase: "https://console.example.cn", by: h.principal(admin))
            let oldToken = String(late.link.split(separator: "/").last!), newToken = String(again.link.split(separator: "/").last!)
            await #expect(throws: CommonError.self) { _ = try await parties.invitations.pending(token: oldToken) }
            #expect(try await parties.invitations.pending(token: newToken).1.id == late.user.id)
            h.clock.advance(by: Invitation.validity + 1)
            await #expect(throws: CommonError.self) { _ = try await parties.invitations.pending(token: newToken) }
            let audit = try await AuditLog.recent(h.db, merchantId: nil, limit: 50).map(\.action)
            #expect(audit.filter { $0 == "user.invited" }.count == 3 && audit.contains("user.invitation-accepted"))
        }
    }

    @Test func onlyAnAdminOfTheRightScopeMayInvite() async throws {
        try await NotificationsHarness.with { h in
            var settings = PartiesSettings()
            settings.bcryptCost = 4
            let parties = PartiesServices(PartiesContext(db: h.db, clock: h.clock, cipher: TestFixtures.cipher, settings: settings, notifier: h.service))
            let lamp = try await h.merchant("Lamp Shop"), gifts = try await h.merchant("Gifts Shop")
            let lampAdmin = try await h.user("boss@lamp.cn", .merchantAdmin, merchant: lamp)
            let staff = try await h.user("staff@lamp.cn", .merchantStaff, merchant: lamp)
            let officer = try await h.user("officer@tl.cn", .complianceOfficer)
            func invite(_ role: String, _ merchant: Merchant?, by u: User) async throws -> InvitationService.Sent {
                try await parties.invitations.invite(UserInput(email: "x\(UUID().uuidString.prefix(6))@tl.cn", displayName: "X", role: role,
                                                               merchantId: merchant?.id.rawValue, language: "en"), linkBase: "http://l", by: h.principal(u))
            }
            // A merchant admin invites into their own store only, and never an operator role.
            #expect(try await invite("merchant-staff", nil, by: lampAdmin).user.merchantId == lamp.id)
            await #expect(throws: CommonError.self) { _ = try await invite("merchant-staff", gifts, by: lampAdmin) }
            await #expect(throws: CommonError.self) { _ = try await invite("operator-admin", nil, by: lampAdmin) }
            // Weaker roles cannot invite at all.
            await #expect(throws: CommonError.self) { _ = try await invite("merchant-staff", nil, by: staff) }
            await #expect(throws: CommonError.self) { _ = try await invite("finance", nil, by: officer) }
            let users = try await h.db.read { try await $0.raw("SELECT COUNT(*) AS n FROM users").first()!.decode(column: "n", as: Int.self) }
            #expect(users == 4)
        }
    }
}
