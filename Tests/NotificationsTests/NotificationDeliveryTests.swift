import Foundation
import Kernel
import Notifications
import Parties
import SQLKit
import Testing
import TestSupport

/// Issue 11 item 7 (K7): notifications reach people by role, in their language, in the inbox and by e-mail through
/// SMTP, exactly when the change that caused them commits; e-mail is retried with backoff and never blocks others.
@Suite struct NotificationDeliveryTests {
    struct Boom: Error {}

    @Test func aRoleReachesEveryActiveUserByInboxAndEmailInTheirLanguage() async throws {
        try await NotificationsHarness.with { h in
            let zh = try await h.user("wang@tl.cn", .complianceOfficer, language: .zh)
            let en = try await h.user("kate@tl.cn", .complianceOfficer, language: .en)
            let off = try await h.user("gone@tl.cn", .complianceOfficer, disabled: true)
            let admin = try await h.user("admin@tl.cn", .operatorAdmin)
            try await h.notify(NotificationsHarness.breached())
            #expect(try await h.inbox(zh).map(\.subject) == ["已超时：24小时——Wallet"])
            #expect(try await h.inbox(en).map(\.subject) == ["Breached: 24h — Wallet"])
            #expect(try await h.inbox(off).isEmpty)
            #expect(try await h.inbox(admin).isEmpty)
            #expect(try await h.inbox(zh).first?.link == "/console/takedowns")

            #expect(try await h.runner.drain() == 2)
            let byRcpt = Dictionary(uniqueKeysWithValues: h.sink.messages.map { ($0.rcptTo.joined(), $0) })
            #expect(byRcpt.keys.sorted() == ["kate@tl.cn", "wang@tl.cn"])
            let chinese = try #require(byRcpt["wang@tl.cn"])
            #expect(chinese.subject == "已超时：24小时——Wallet")
            #expect(chinese.header("Subject")?.hasPrefix("=?UTF-8?B?") == true)     // RFC 2047 on the wire
            #expect(chinese.bodyText.contains("现已超时，已升级处理"))
            #expect(chinese.mailFrom == "noreply@tradelane.test")
            #expect(chinese.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(chinese.header("Message-ID")?.hasPrefix("<ntf_") == true && chinese.header("Date")?.contains("2026") == true)
            let english = try #require(byRcpt["kate@tl.cn"])
            #expect(english.subject == "Breached: 24h — Wallet" && english.bodyText.contains("is now breached"))
            for u in [zh, en] {
                let mail = try #require(try await h.emails(u).first)
                #expect(mail.state == .sent && mail.attempts == 1 && mail.sentAt == TestFixtures.start)
            }
            // K5: the announcement is in the audit chain (who heard; never the parameters).
            let audit = try await AuditLog.recent(h.db, merchantId: nil, limit: 20).filter { $0.action == "notification.sent" }
            #expect(audit.count == 1 && audit.first?.entity == "takedown" && audit.first?.entityId == "tdc_1")
            #expect(audit.first?.data.contains(#""users":"2""#) == true && audit.first?.data.contains("dueAt") == false)
        }
    }

    @Test func theDedupeKeyMakesASecondNotifyANoOpPerUser() async throws {
        try await NotificationsHarness.with { h in
            let u = try await h.user("wang@tl.cn", .complianceOfficer, language: .zh)
            try await h.notify(NotificationsHarness.breached("breach-1"))
            try await h.notify(NotificationsHarness.breached("breach-1"))
            #expect(try await h.inbox(u).count == 1)
            #expect(try await h.emails(u).count == 1)
            #expect(try await h.jobCount() == 1)
            try await h.notify(NotificationsHarness.breached("breach-2"))   // another breach is news
            #expect(try await h.inbox(u).count == 2)
            try await h.runner.drain()
            #expect(h.sink.messages.count == 2)
        }
    }

    @Test func aRolledBackChangeAnnouncesNothing() async throws {
        try await NotificationsHarness.with { h in
            let u = try await h.user("wang@tl.cn", .complianceOfficer)
            await #expect(throws: Boom.self) {
                try await h.db.transaction { [service = h.service] sql in
                    try await service.notify(NotificationsHarness.breached(), in: sql)
                    throw Boom()
                }
            }
            #expect(try await h.inbox(u).isEmpty)
            #expect(try await h.jobCount() == 0)
            #expect(try await h.runner.drain() == 0)
            #expect(h.sink.messages.isEmpty && h.sink.connections == 0)
        }
    }

    @Test func aTransientRefusalIsRetriedWithBackoffAndDeliveredOnce() async throws {
        try await NotificationsHarness.with { h in
            let u = try await h.user("kate@tl.cn", .complianceOfficer)
            h.sink.fail(.mail, code: 451)
            try await h.notify(NotificationsHarness.breached())
            #expect(try await h.runner.drain() == 1)
            let failed = try #require(try await h.emails(u).first)
            #expect(failed.state == .failed && failed.attempts == 1 && failed.lastError?.contains("451") == true)
            #expect(h.sink.messages.isEmpty)
            #expect(try await h.runner.drain() == 0)       // the retry waits for its backoff
            h.clock.advance(by: 10)
            #expect(try await h.runner.drain() == 1)
            #expect(h.sink.messages.count == 1)
            let sent = try #require(try await h.emails(u).first)
            #expect(sent.state == .sent && sent.attempts == 2 && sent.lastError == nil)
            h.clock.advance(by: 3600)
            #expect(try await h.runner.drain() == 0)
            #expect(h.sink.messages.count == 1)
        }
    }

    @Test func aPermanentRefusalIsDeadAtOnceAndRepeatedFailuresDieAfterTheLastAttempt() async throws {
        try await NotificationsHarness.with(maxAttempts: 2) { h in
            let refused = try await h.user("nobody@tl.cn", .complianceOfficer)
            h.sink.fail(.rcpt, code: 550)
            try await h.notify(NotificationsHarness.breached("k1"))
            try await h.runner.drain()
            let dead = try #require(try await h.emails(refused).first)
            #expect(dead.state == .dead && dead.lastError?.contains("550") == true)
            let deadAudit = try await AuditLog.recent(h.db, merchantId: nil, limit: 20).filter { $0.action == "notification.dead" }
            #expect(deadAudit.map(\.entityId) == [dead.id.rawValue])

            h.sink.fail(.rcpt, code: 452, times: 2)
            try await h.notify(NotificationsHarness.breached("k2"))
            try await h.runner.drain()
            h.clock.advance(by: 60)
            try await h.runner.drain()
            let second = try #require(try await h.emails(refused).first { $0.dedupeKey == "k2" })
            #expect(second.state == .dead && second.attempts == 2 && second.lastError?.contains("452") == true)
            #expect(h.sink.messages.isEmpty)
        }
    }

    /// A server that accepts the connection and never answers costs one reply timeout, then the job is retried;
    /// the other user's e-mail goes out meanwhile.
    @Test func aHangingServerTimesOutIsRetriedAndDoesNotBlockOtherDeliveries() async throws {
        try await NotificationsHarness.with(replyTimeout: 2) { h in
            let a = try await h.user("a@tl.cn", .complianceOfficer)
            let b = try await h.user("b@tl.cn", .complianceOfficer)
            h.sink.hang(times: 1)
            try await h.notify(NotificationsHarness.breached())
            #expect(try await h.runner.drain() == 2)
            #expect(h.sink.messages.count == 1)
            let states = try await [h.emails(a).first, h.emails(b).first].compactMap { $0 }
            let timedOut = try #require(states.first { $0.state == .failed })
            #expect(timedOut.lastError == "SMTP timeout at greeting")
            #expect(states.filter { $0.state == .sent }.count == 1)
            h.clock.advance(by: 10)
            #expect(try await h.runner.drain() == 1)
            #expect(Set(h.sink.messages.flatMap(\.rcptTo)) == ["a@tl.cn", "b@tl.cn"])
        }
    }

    @Test func withoutSMTPOnlyTheInboxIsWritten() async throws {
        try await NotificationsHarness.with(email: false) { h in
            let u = try await h.user("kate@tl.cn", .complianceOfficer)
            try await h.notify(NotificationsHarness.breached())
            #expect(try await h.inbox(u).count == 1)
            #expect(try await h.emails(u).isEmpty)
            #expect(try await h.jobCount() == 0)
        }
    }

    /// A dead-lettered job is announced to operator admins (template job.dead), once.
    @Test func aJobGoingDeadIsAnnouncedToOperatorAdmins() async throws {
        try await NotificationsHarness.with(email: false) { h in
            let admin = try await h.user("admin@tl.cn", .operatorAdmin, language: .zh)
            let officer = try await h.user("kate@tl.cn", .complianceOfficer)
            let queue = JobQueue(db: h.db, clock: h.clock)
            let id = try #require(try await h.db.transaction { try await queue.enqueue(kind: "poison", maxAttempts: 1, in: $0) })
            let runner = JobRunner(queue: queue, worker: "w", handlers: [JobHandler(kind: "poison") { _, _ in throw Boom() }],
                                   deadLetters: h.service)
            #expect(try await runner.runNext() == .failed(id, .dead))
            let inbox = try await h.inbox(admin)
            #expect(inbox.map(\.template) == ["job.dead"] && inbox.first?.subject == "后台任务 poison 已彻底失败")
            #expect(inbox.first?.body.contains(id.rawValue) == true && inbox.first?.entityId == id.rawValue)
            #expect(try await h.inbox(officer).isEmpty)
        }
    }
}
