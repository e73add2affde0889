import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Logging
import NIOCore
import Notifications
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 11 items 1–2: operators see and steer the job queue; everyone sees the SLA clocks they own, and only those.
@Suite struct OperationsAPITests {
    /// A job that failed its only attempt: dead, with its error.
    static func deadJob(_ h: WebHarness) async throws -> JobID {
        let queue = h.services.jobs
        let id = try #require(try await h.services.db.transaction { try await queue.enqueue(kind: "test.poison", maxAttempts: 1, in: $0) })
        let job = try #require(try await queue.claim(worker: "w", kinds: ["test.poison"], lease: 60))
        #expect(try await queue.fail(job, worker: "w", error: "boom: receiver said 500") == .dead)
        return id
    }

    @Test func onlyOperatorAdminsSeeAndSteerJobsAndEveryMoveIsAudited() async throws {
        try await WebHarness.with { h, c in
            let dead = try await Self.deadJob(h)
            let system = Principal.system("test")
            let (_, officerKey) = try await h.services.parties.access.createKey(name: "o", role: "compliance-officer", merchantId: nil, by: system)
            // Weaker roles and merchants: refused everywhere, including the commands.
            for key in [officerKey, h.keyA] {
                #expect(try await c.call(.get, "/api/v1/jobs", key: key).status == .forbidden)
                #expect(try await c.call(.get, "/api/v1/jobs/stats", key: key).status == .forbidden)
                #expect(try await c.call(.get, "/api/v1/jobs/\(dead)", key: key).status == .forbidden)
                #expect(try await c.call(.post, "/api/v1/jobs/\(dead)/retry", key: key, json: "{}").status == .forbidden)
                #expect(try await c.call(.post, "/api/v1/jobs/\(dead)/discard", key: key, json: "{}").status == .forbidden)
            }
            #expect(try await h.services.jobs.get(dead.rawValue)?.status == .dead)
            let list = try await c.call(.get, "/api/v1/jobs?status=dead", key: h.operatorKey)
            let items = list.json["data"] as? [[String: Any]] ?? []
            #expect(list.status == .ok && items.map { $0["id"] as? String } == [dead.rawValue])
            #expect(items.first?["lastError"] as? String == "boom: receiver said 500" && items.first?["attempts"] as? Int == 1)
            let stats = try await c.call(.get, "/api/v1/jobs/stats", key: h.operatorKey)
            let poison = (stats.json["data"] as? [[String: Any]] ?? []).first { $0["kind"] as? String == "test.poison" }
            #expect((poison?["counts"] as? [String: Int])?["dead"] == 1)
            // Retry sends it round with fresh attempts; retrying a queued job is a conflict; discard ends it.
            let retried = try await c.call(.post, "/api/v1/jobs/\(dead)/retry", key: h.operatorKey, json: "{}")
            #expect(retried.status == .ok && retried.json.str("status") == "queued" && retried.json["attempts"] as? Int == 0)
            #expect(try await c.call(.post, "/api/v1/jobs/\(dead)/retry", key: h.operatorKey, json: "{}").status == .conflict)
            let discarded = try await c.call(.post, "/api/v1/jobs/\(dead)/discard", key: h.operatorKey, json: "{}")
            #expect(discarded.status == .ok && discarded.json.str("status") == "dead" && discarded.json.str("lastError")?.hasPrefix("discarded by") == true)
            #expect(try await c.call(.get, "/api/v1/jobs/job_nope", key: h.operatorKey).status == .notFound)
            #expect(try await c.call(.get, "/api/v1/jobs?status=exploded", key: h.operatorKey).json.fieldNames == ["status"])
            let audit = try await AuditLog.recent(h.services.db, merchantId: nil, limit: 20).map(\.action)
            #expect(audit.contains("job.retried") && audit.contains("job.discarded"))
        }
    }

    @Test func jobPagesFollowTheCursor() async throws {
        try await WebHarness.with { h, c in
            let queue = h.services.jobs
            for i in 0..<5 { _ = try await h.services.db.transaction { try await queue.enqueue(kind: "test.page", dedupeKey: "p\(i)", in: $0) } }
            var seen: [String] = []
            var after: String?
            repeat {
                let page = try await c.call(.get, "/api/v1/jobs?kind=test.page&limit=2" + (after.map { "&after=\($0)" } ?? ""), key: h.operatorKey)
                seen += (page.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                after = page.json.str("next")
            } while after != nil && seen.count < 20
            #expect(seen.count == 5 && Set(seen).count == 5 && seen == seen.sorted(by: >))
        }
    }

    @Test func deadlinesAreTenantScopedFilteredPagedAndMetered() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            var cases: [String] = []
            for (i, key) in [h.keyA, h.keyA, h.keyB].enumerated() {
                let listing = try await c.call(.post, "/api/v1/listings", key: key, json: ListingAPITests.body)
                let report = try await c.call(.post, "/api/v1/takedowns", key: h.operatorKey,
                                              json: #"{"listingId":"\#(listing.json.str("id") ?? "")","category":"brand","reason":"Notice \#(i)"}"#)
                cases.append(try #require(report.json.str("id")))
                h.clock.advance(by: 3600)
            }
            // Operators see all three, most urgent first; each merchant only its own.
            let all = try await c.call(.get, "/api/v1/deadlines", key: h.operatorKey)
            #expect((all.json["data"] as? [[String: Any]] ?? []).compactMap { $0["entityId"] as? String } == cases)
            let first = (all.json["data"] as? [[String: Any]])?.first
            #expect(first?["clock"] as? String == "compliance.takedown-24h" && first?["owner"] as? String == "compliance-officer")
            #expect(first?["remainingSeconds"] as? Int == 21 * 3600 && first?["state"] as? String == "running")
            let a = try await c.call(.get, "/api/v1/deadlines", key: h.keyA)
            #expect((a.json["data"] as? [[String: Any]] ?? []).compactMap { $0["entityId"] as? String } == Array(cases.prefix(2)))
            let b = try await c.call(.get, "/api/v1/deadlines?module=compliance", key: h.keyB)
            #expect((b.json["data"] as? [[String: Any]] ?? []).compactMap { $0["entityId"] as? String } == [cases[2]])
            // Pages of one.
            let p1 = try await c.call(.get, "/api/v1/deadlines?limit=1", key: h.operatorKey)
            let next = try #require(p1.json.str("next"))
            let p2 = try await c.call(.get, "/api/v1/deadlines?limit=1&after=\(next)", key: h.operatorKey)
            #expect((p2.json["data"] as? [[String: Any]])?.first?["entityId"] as? String == cases[1])
            let bad = try await c.call(.get, "/api/v1/deadlines?after=nonsense", key: h.operatorKey, headers: [.acceptLanguage: "zh-CN"])
            #expect(bad.status == .unprocessableContent && bad.json.fieldNames == ["after"])
            #expect(try await c.call(.get, "/api/v1/deadlines?state=late", key: h.operatorKey).json.fieldNames == ["state"])
            // 21 h after the first report: that clock is due soon, none breached yet.
            h.clock.advance(by: 18 * 3600)
            let soon = try await c.call(.get, "/api/v1/deadlines?state=due-soon", key: h.operatorKey)
            #expect((soon.json["data"] as? [[String: Any]] ?? []).compactMap { $0["entityId"] as? String } == [cases[0], cases[1]])
            h.clock.advance(by: 3 * 3600)
            let breached = try await c.call(.get, "/api/v1/deadlines?state=breached&owner=compliance-officer", key: h.operatorKey)
            #expect((breached.json["data"] as? [[String: Any]] ?? []).compactMap { $0["entityId"] as? String } == [cases[0]])
            // The scan escalates it once; /metrics counts clocks and announcements.
            let scanner = h.services.deadlines
            _ = try await h.services.db.transaction { try await scanner.scan(in: $0) }
            _ = try await h.services.db.transaction { try await scanner.scan(in: $0) }
            let metrics = String(buffer: try await c.call(.get, "/metrics", key: nil).raw)
            #expect(metrics.contains(#"tradelane_deadlines{clock="compliance.takedown-24h",state="breached"} 1"#))
            #expect(metrics.contains(#"tradelane_deadlines{clock="compliance.takedown-24h",state="due-soon"} 2"#))
            #expect(metrics.contains(#"tradelane_deadline_escalations{clock="compliance.takedown-24h",level="breached"} 1"#))
            #expect(metrics.contains(#"tradelane_deadline_escalations{clock="compliance.takedown-24h",level="due-soon"} 2"#))   // the two later cases
        }
    }

    /// Item 2 with item 7: a breach reaches every compliance officer's inbox once, in their language, naming the listing.
    @Test func aBreachIsAnnouncedToTheOwnerRoleOnceInTheirLanguage() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let users = h.services.parties.users
            let zhOfficer = try await users.create(UserInput(email: "wang@tl.cn", displayName: "Wang", password: "long enough password",
                                                             role: "compliance-officer", language: "zh-CN"), by: .system("t"))
            let enOfficer = try await users.create(UserInput(email: "kate@tl.cn", displayName: "Kate", password: "long enough password",
                                                             role: "compliance-officer", language: "en"), by: .system("t"))
            let merchant = try await users.create(UserInput(email: "a@alpha.cn", displayName: "A", password: "long enough password",
                                                            role: "merchant-admin", merchantId: h.merchantA.id.rawValue, language: "en"), by: .system("t"))
            let listing = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: ListingAPITests.body)
            _ = try await c.call(.post, "/api/v1/takedowns", key: h.operatorKey,
                                 json: #"{"listingId":"\#(listing.json.str("id") ?? "")","category":"brand","reason":"Notice"}"#)
            let title = try #require((listing.json["content"] as? [String: Any])?["title"] as? String)
            func inbox(_ u: User) async throws -> [String] {
                let p = Principal(actorId: u.id.rawValue, userId: u.id, merchantId: u.merchantId, role: u.role, channel: .session)
                return try await h.services.notifications.list(by: p).items.map(\.subject)
            }
            let worker = JobWorker(services: h.services, logger: Logger(label: "test"), worker: "w")
            h.clock.advance(by: 25 * 3600)
            await worker.runOnce()            // schedules the scan
            h.clock.advance(by: 61)
            await worker.runOnce()            // runs it
            await worker.runOnce()            // nothing new
            #expect(try await inbox(zhOfficer) == ["已超时：24 小时内下架处置——\(title)"])
            #expect(try await inbox(enOfficer) == ["Breached: Takedown within 24 h — \(title)"])
            #expect(try await inbox(merchant).isEmpty)
        }
    }

    @Test func consolePagesShowClocksToTheirOwnersAndJobsToAdminsOnly() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let listing = try await c.call(.post, "/api/v1/listings", key: h.keyB, json: ListingAPITests.body)
            let report = try await c.call(.post, "/api/v1/takedowns", key: h.operatorKey,
                                          json: #"{"listingId":"\#(listing.json.str("id") ?? "")","category":"brand","reason":"Notice"}"#)
            let caseId = try #require(report.json.str("id"))
            let dead = try await Self.deadJob(h)
            for (email, role, merchant) in [("admin@tl.cn", "operator-admin", nil), ("officer@tl.cn", "compliance-officer", nil),
                                            ("a@alpha.cn", "merchant-admin", h.merchantA.id.rawValue)] as [(String, String, String?)] {
                _ = try await h.services.parties.users.create(UserInput(email: email, displayName: role, password: "long enough password",
                                                                        role: role, merchantId: merchant, language: "en"), by: .system("t"))
            }
            var admin = ConsoleTests.Browser()
            _ = try await admin.login(c, "admin@tl.cn", "long enough password")
            let deadlines = try await admin.send(c, .get, "/console/deadlines")
            #expect(deadlines.status == .ok && deadlines.html.contains("data-entity-id=\"\(caseId)\"") && deadlines.html.contains("Beta Export Co."))
            #expect(deadlines.html.contains("id=\"nav-jobs\""))
            let jobs = try await admin.send(c, .get, "/console/jobs?status=dead")
            #expect(jobs.status == .ok && jobs.html.contains("data-job-id=\"\(dead)\"") && jobs.html.contains("boom: receiver said 500"))
            let retried = try await admin.send(c, .post, "/console/jobs/\(dead)/retry",
                                               form: ["_csrf": ConsoleTests.csrf(jobs.html) ?? "", "back": "/console/jobs?status=dead"])
            #expect(retried.status == .seeOther && retried.location == "/console/jobs?status=dead")
            #expect(try await h.services.jobs.get(dead.rawValue)?.status == .queued)
            // An off-site "back" is ignored.
            let evil = try await admin.send(c, .post, "/console/jobs/\(dead)/discard", form: ["_csrf": ConsoleTests.csrf(jobs.html) ?? "", "back": "//evil.example/"])
            #expect(evil.location == "/console/jobs")

            var officer = ConsoleTests.Browser()
            _ = try await officer.login(c, "officer@tl.cn", "long enough password")
            let officerDeadlines = try await officer.send(c, .get, "/console/deadlines")
            #expect(officerDeadlines.html.contains(caseId) && !officerDeadlines.html.contains("id=\"nav-jobs\""))
            #expect(try await officer.send(c, .get, "/console/jobs").status == .forbidden)
            #expect(try await h.services.jobs.get(dead.rawValue)?.status == .dead)      // discarded by the admin above
            let steal = try await officer.send(c, .post, "/console/jobs/\(dead)/retry", form: ["_csrf": ConsoleTests.csrf(officerDeadlines.html) ?? ""])
            #expect(steal.status == .seeOther)   // refused with a red flash, nothing changed
            #expect(try await h.services.jobs.get(dead.rawValue)?.status == .dead)

            var merchant = ConsoleTests.Browser()
            _ = try await merchant.login(c, "a@alpha.cn", "long enough password")
            let mine = try await merchant.send(c, .get, "/console/deadlines?lang=zh-CN")
            #expect(mine.status == .ok && !mine.html.contains(caseId) && !mine.html.contains("Beta Export Co."))
        }
    }
}
