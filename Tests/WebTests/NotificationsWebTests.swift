import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Logging
import Notifications
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 11 item 7: the notifications API and the console inbox show each user their own notifications only.
@Suite struct NotificationsWebTests {
    /// A user of `merchant` with an API key of their own (the key acts for the person).
    static func userWithKey(_ h: WebHarness, _ email: String, merchant: Merchant?, role: Role) async throws -> (User, String) {
        let u = try await h.services.parties.users.create(UserInput(email: email, displayName: "U \(email)", password: "long enough password",
                                                                    role: role.rawValue, merchantId: merchant?.id.rawValue, language: "zh-CN"),
                                                          by: .system("t"))
        let p = Principal(actorId: u.id.rawValue, userId: u.id, merchantId: merchant?.id, role: role, channel: .session)
        let (_, key) = try await h.services.parties.access.createKey(name: "own", role: role.rawValue, merchantId: merchant?.id.rawValue, by: p)
        return (u, key)
    }

    static func notify(_ h: WebHarness, _ request: NotificationRequest) async throws {
        try await h.services.db.transaction { sql in try await h.services.notifier.notify(request, in: sql) }
    }

    @Test func theAPIListsPagesAndMarksOnlyTheCallersOwnNotifications() async throws {
        try await WebHarness.with { h, c in
            let (a, keyA) = try await Self.userWithKey(h, "a@alpha.cn", merchant: h.merchantA, role: .merchantAdmin)
            let (_, keyB) = try await Self.userWithKey(h, "b@beta.cn", merchant: h.merchantB, role: .merchantAdmin)
            for i in 0..<3 {
                try await Self.notify(h, NotificationRequest(recipients: [.role(.merchantAdmin, merchantId: h.merchantA.id)],
                                                             template: "kyc.decided", params: ["decision": "d\(i)", "merchantName": "Alpha"],
                                                             merchantId: h.merchantA.id, entity: "merchant", entityId: h.merchantA.id.rawValue))
                h.clock.advance(by: 1)
            }
            let page1 = try await c.call(.get, "/api/v1/notifications?limit=2", key: keyA)
            #expect(page1.status == .ok && page1.json.list.count == 2)
            #expect(page1.json.list.first?["subject"] as? String == "资质审核结果：d2")
            #expect(page1.json.list.first?["link"] as? String == "/console/merchants/\(h.merchantA.id.rawValue)")
            let next = try #require(page1.json.str("next"))
            let page2 = try await c.call(.get, "/api/v1/notifications?limit=2&after=\(next)", key: keyA)
            #expect(page2.json.list.count == 1 && page2.json["next"] is NSNull)
            let target = try #require(page1.json.list.first?["id"] as? String)

            // B sees nothing of A's, and cannot mark it (404, not 403: the id tells B nothing).
            #expect(try await c.call(.get, "/api/v1/notifications", key: keyB).json.list.isEmpty)
            let stolen = try await c.call(.post, "/api/v1/notifications/\(target)/read", key: keyB)
            #expect(stolen.status == .notFound)
            let badCursor = try await c.call(.get, "/api/v1/notifications?after=\(target)", key: keyB)
            #expect(badCursor.status == .unprocessableContent && badCursor.json.fieldNames == ["after"])
            // The merchant's service key (no person) has no inbox either.
            #expect(try await c.call(.get, "/api/v1/notifications", key: h.keyA).json.list.isEmpty)

            let read = try await c.call(.post, "/api/v1/notifications/\(target)/read", key: keyA)
            #expect(read.status == .ok && read.json["read"] as? Bool == true)
            let unread = try await c.call(.get, "/api/v1/notifications?unread=true", key: keyA)
            #expect(unread.json.list.count == 2 && !unread.json.list.contains { $0["id"] as? String == target })
            #expect(try await c.call(.get, "/api/v1/notifications?unread=maybe", key: keyA).status == .unprocessableContent)
            let all = try await c.call(.post, "/api/v1/notifications/read-all", key: keyA)
            #expect(all.status == .ok && all.json["unread"] as? Int == 0)
            #expect(try await h.services.notifications.unreadCount(by: Principal(actorId: a.id.rawValue, userId: a.id,
                                                                                  merchantId: nil, role: .merchantAdmin, channel: .session)) == 0)
        }
    }

    @Test func theConsoleInboxShowsTheUnreadBadgeAndMarksReadWithCSRF() async throws {
        try await WebHarness.with { h, c in
            let officer = try await h.services.parties.users.create(UserInput(email: "wang@tl.cn", displayName: "Wang", password: "officer password",
                                                                             role: "compliance-officer", language: "zh-CN"), by: .system("t"))
            _ = try await h.services.parties.users.create(UserInput(email: "kate@tl.cn", displayName: "Kate", password: "officer password",
                                                                    role: "operator-admin", language: "en"), by: .system("t"))
            for i in 0..<2 {
                try await Self.notify(h, NotificationRequest(recipients: [.role(.complianceOfficer, merchantId: nil)], template: "deadline.breached",
                                                             params: ["clock": "24h", "clock@zh": "24小时", "subject": "Wallet", "entity": "takedown", "entityId": "tdc_\(i)", "dueAt": "t"],
                                                             entity: "takedown", entityId: "tdc_\(i)", dedupeKey: "b\(i)"))
            }
            var browser = ConsoleTests.Browser()
            _ = try await browser.login(c, "wang@tl.cn", "officer password")
            let dash = try await browser.send(c, .get, "/console")
            #expect(dash.html.contains(#"id="unread-count""#) && dash.html.contains(">2</span>"))
            let inbox = try await browser.send(c, .get, "/console/inbox")
            #expect(inbox.status == .ok && inbox.html.contains("已超时：24小时——Wallet") && inbox.html.contains("全部标为已读"))
            let first = try #require(try await h.services.notifications.list(by: Principal(actorId: officer.id.rawValue, userId: officer.id,
                                                                                           merchantId: nil, role: .complianceOfficer, channel: .session)).items.first)
            let forged = try await browser.send(c, .post, "/console/inbox/\(first.id.rawValue)/read", form: ["_csrf": "forged"])
            #expect(forged.status == .forbidden)
            let token = try #require(ConsoleTests.csrf(inbox.html))
            let marked = try await browser.send(c, .post, "/console/inbox/\(first.id.rawValue)/read", form: ["_csrf": token])
            #expect(marked.status == .seeOther && marked.location == "/console/inbox")
            #expect(try await browser.send(c, .get, "/console").html.contains(">1</span>"))
            _ = try await browser.send(c, .post, "/console/inbox/read-all", form: ["_csrf": token])
            #expect(!(try await browser.send(c, .get, "/console").html.contains(#"id="unread-count""#)))

            // Another user sees none of them.
            var other = ConsoleTests.Browser()
            _ = try await other.login(c, "kate@tl.cn", "officer password")
            #expect(try await other.send(c, .get, "/console/inbox").html.contains("No notifications."))
        }
    }

    /// With SMTP configured, a notification goes out by e-mail through the app's own job worker.
    @Test func theAppsJobWorkerDeliversNotificationEmail() async throws {
        let sink = try await SMTPSink.start()
        do {
            try await Self.deliverThroughTheWorker(sink)
        } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }

    static func deliverThroughTheWorker(_ sink: SMTPSink) async throws {
        try await TestDatabase.with(migrations: AllMigrations.list) { db in
            var config = AppConfig(bcryptCost: 4)
            config.masterKey = TestFixtures.masterKey
            config.smtpURL = sink.url
            config.smtpFrom = "Tradelane <noreply@tl.test>"
            config.smtpTimeoutSeconds = 5
            let services = AppServices(db: db, clock: FixedClock(TestFixtures.start), cipher: TestFixtures.cipher, config: config)
            try await services.prepare()
            _ = try await services.parties.users.create(UserInput(email: "kate@tl.cn", displayName: "Kate", password: "officer password",
                                                                  role: "compliance-officer", language: "en"), by: .system("t"))
            try await services.db.transaction { sql in
                try await services.notifier.notify(NotificationRequest(recipients: [.role(.complianceOfficer, merchantId: nil)],
                                                                       template: "kyc.submitted", params: ["merchantName": "Alpha"]), in: sql)
            }
            await JobWorker(services: services, logger: .init(label: "test"), worker: "w").runOnce()
            #expect(sink.messages.map(\.subject) == ["KYC submitted by Alpha"])
        }
    }

    @Test func smtpConfigurationComesFromTheEnvironmentAndBadValuesStopStartUp() throws {
        let c = AppConfig.fromEnvironment(["TRADELANE_SMTP_URL": "smtp://relay.internal:2525", "TRADELANE_SMTP_FROM": "Ops <ops@tl.test>"])
        #expect(try c.smtpSettings()?.port == 2525)
        #expect(try AppConfig.fromEnvironment([:]).smtpSettings() == nil)
        let withCredentials = AppConfig.fromEnvironment(["TRADELANE_SMTP_URL": "smtp://u:hunter2@relay:25", "TRADELANE_SMTP_FROM": "ops@tl.test"])
        let refused = #expect(throws: ConfigError.self) { try withCredentials.smtpSettings() }
        #expect(refused.map { !"\($0)".contains("hunter2") } == true)
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["TRADELANE_SMTP_URL": "smtp://relay"]).smtpSettings() }
        let submission = try #require(try AppConfig.fromEnvironment([
            "TRADELANE_SMTP_URL": "smtp+starttls://mailer:hunter2@smtp.example.com", "TRADELANE_SMTP_FROM": "ops@tl.test",
        ]).smtpSettings())
        #expect(submission.port == 587 && submission.password == "hunter2" && "\(submission)" == "smtp+starttls://smtp.example.com:587 (with AUTH)")
        #expect(throws: ConfigError.self) {
            try AppConfig.fromEnvironment(["TRADELANE_SMTP_URL": "smtps://relay", "TRADELANE_SMTP_FROM": "ops@tl.test",
                                           "TRADELANE_SMTP_CA_FILE": "/nonexistent/ca.pem"]).smtpSettings()
        }
    }
}
