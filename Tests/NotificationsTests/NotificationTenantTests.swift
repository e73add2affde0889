import Foundation
import Kernel
import Notifications
import Parties
import SQLKit
import Testing
import TestSupport

/// Issue 11 item 7: the tenant wall of notifications, and the inbox's own-only reads and marks.
@Suite struct NotificationTenantTests {
    @Test func aMerchantsRoleReachesOnlyThatMerchantsUsers() async throws {
        try await NotificationsHarness.with { h in
            let a = try await h.merchant("Alpha Export Co.")
            let b = try await h.merchant("Beta Export Co.")
            let adminA = try await h.user("admin@alpha.cn", .merchantAdmin, merchant: a)
            let adminB = try await h.user("admin@beta.cn", .merchantAdmin, merchant: b, language: .zh)
            let staffB = try await h.user("staff@beta.cn", .merchantStaff, merchant: b)
            let op = try await h.user("op@tl.cn", .operatorAdmin)
            try await h.notify(NotificationRequest(recipients: [.role(.merchantAdmin, merchantId: b.id)], template: "takedown.opened",
                                                   params: ["listingId": "lst_1", "category": "brand"], merchantId: b.id, dedupeKey: "t1"))
            #expect(try await h.inbox(adminB).map(\.subject) == ["商品 lst_1 已立案下架审查"])
            #expect(try await h.inbox(adminA).isEmpty)
            #expect(try await h.inbox(staffB).isEmpty)
            #expect(try await h.inbox(op).isEmpty)

            // A's role named for a subject that belongs to B: nobody (the subject is B's business).
            try await h.notify(NotificationRequest(recipients: [.role(.merchantAdmin, merchantId: a.id), .user(adminA.id)],
                                                   template: "takedown.opened", params: ["listingId": "lst_2"], merchantId: b.id))
            #expect(try await h.inbox(adminA).isEmpty)
            // A merchant role without a merchant never fans out across tenants; an operator role never reaches merchants.
            try await h.notify(NotificationRequest(recipients: [.role(.merchantAdmin, merchantId: nil)], template: "kyc.decided"))
            try await h.notify(NotificationRequest(recipients: [.role(.operatorAdmin, merchantId: a.id)], template: "kyc.submitted",
                                                   params: ["merchantName": "Alpha"]))
            #expect(try await h.inbox(adminA).isEmpty)
            #expect(try await h.inbox(adminB).count == 1)
            #expect(try await h.inbox(op).map(\.template) == ["kyc.submitted"])
            try await h.runner.drain()
            #expect(h.sink.messages.flatMap(\.rcptTo).sorted() == ["admin@beta.cn", "op@tl.cn"])
        }
    }

    @Test func aUserReadsAndMarksOnlyTheirOwnNotifications() async throws {
        try await NotificationsHarness.with(email: false) { h in
            let a = try await h.merchant("Alpha Export Co.")
            let b = try await h.merchant("Beta Export Co.")
            let userA = try await h.user("admin@alpha.cn", .merchantAdmin, merchant: a)
            let userB = try await h.user("admin@beta.cn", .merchantAdmin, merchant: b)
            for i in 0..<3 {
                try await h.notify(NotificationRequest(recipients: [.user(userA.id)], template: "kyc.decided",
                                                       params: ["decision": "approved \(i)", "merchantName": "Alpha"], merchantId: a.id))
                h.clock.advance(by: 1)
            }
            let pa = h.principal(userA), pb = h.principal(userB)
            #expect(try await h.service.unreadCount(by: pa) == 3)
            #expect(try await h.service.unreadCount(by: pb) == 0)
            let first = try await h.service.list(limit: 2, by: pa)
            #expect(first.items.map { $0.params["decision"] } == ["approved 2", "approved 1"] && first.next != nil)
            let second = try await h.service.list(limit: 2, after: first.next, by: pa)
            #expect(second.items.map { $0.params["decision"] } == ["approved 0"] && second.next == nil)
            let target = first.items[0]

            await #expect(throws: CommonError.notFound(entity: "notification", id: target.id.rawValue)) {
                try await h.service.markRead(target.id.rawValue, by: pb)
            }
            await #expect(throws: CommonError.notFound(entity: "notification", id: target.id.rawValue)) {
                try await h.service.get(target.id.rawValue, by: pb)
            }
            await #expect(throws: ValidationError.self) { try await h.service.list(after: target.id.rawValue, by: pb) }
            try await h.service.markAllRead(by: pb)
            #expect(try await h.service.unreadCount(by: pa) == 3)

            let read = try await h.service.markRead(target.id.rawValue, by: pa)
            #expect(read.readAt == h.clock.now())
            #expect(try await h.service.unreadCount(by: pa) == 2)
            #expect(try await h.service.list(unreadOnly: true, by: pa).items.count == 2)
            try await h.service.markAllRead(by: pa)
            #expect(try await h.service.unreadCount(by: pa) == 0)
            // A service key (no person behind it) has no inbox.
            #expect(try await h.service.list(by: .system("cli")).items.isEmpty)
        }
    }

    /// Only the parameters a template uses are stored and sent: a secret passed by mistake goes nowhere.
    @Test func parametersTheTemplateDoesNotUseAreNeitherStoredNorSent() async throws {
        try await NotificationsHarness.with { h in
            let u = try await h.user("kate@tl.cn", .complianceOfficer)
            var request = NotificationsHarness.breached()
            request.params["apiKey"] = "tl_SECRET_should_never_leave"
            try await h.notify(request)
            try await h.runner.drain()
            let n = try #require(try await h.inbox(u).first)
            #expect(n.params["apiKey"] == nil && n.params.keys.sorted() == ["clock", "clock@zh", "dueAt", "entity", "entityId", "subject"])
            let stored = try await h.db.read { try await $0.raw("SELECT params, subject, body FROM notifications").all() }
            for row in stored {
                for column in ["params", "subject", "body"] {
                    #expect(!(try row.decode(column: column, as: String.self)).contains("tl_SECRET"))
                }
            }
            let message = try #require(h.sink.messages.first)
            #expect(!message.data.contains("tl_SECRET") && !message.bodyText.contains("tl_SECRET"))
            let jobs = try await h.db.read { try await $0.raw("SELECT payload FROM jobs").all().map { try $0.decode(column: "payload", as: String.self) } }
            #expect(jobs.count == 1 && !jobs[0].contains("tl_SECRET"))
        }
    }
}
