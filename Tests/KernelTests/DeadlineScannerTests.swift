import Foundation
import Kernel
import SQLKit
import Synchronization
import Testing
import TestSupport

/// Issue 11 item 2 (K9): one scanner over every module's SLA clocks; each due-soon and breach is announced once —
/// audit entry, notification to the owning role, the module's own consequence — however many scans run.
@Suite struct DeadlineScannerTests {
    /// A module's clocks, kept in a table of the database under test (as a real module keeps them).
    final class TicketClocks: DeadlineSource {
        static let clock = DeadlineClock(id: "care.reply-24h", module: "care", label: LocalizedText(en: "Reply in 24 h", zh: "24 小时内答复"),
                                         rule: LocalizedText(en: "test rule", zh: "测试规则"), owner: .csAgent, warnBefore: 4 * 3600)
        let breaches = Mutex<[String]>([])
        var clocks: [DeadlineClock] { [Self.clock] }

        func open(_ query: DeadlineQuery, in sql: any SQLDatabase) async throws -> [Deadline] {
            let q = sql.select().columns("id", "merchant_id", "started_at", "due_at").from("tickets").where("closed", .equal, false)
            if let m = query.scope.merchantId { q.where("merchant_id", .equal, m) }
            if let dueBefore = query.dueBefore { q.where("due_at", .lessThanOrEqual, dueBefore.epochMillis) }
            if let dueAfter = query.dueAfter { q.where("due_at", .greaterThan, dueAfter.epochMillis) }
            if let after = query.after {
                q.where { $0.where("due_at", .greaterThan, after.dueAt.epochMillis)
                    .orWhere { $0.where("due_at", .equal, after.dueAt.epochMillis).where("id", .greaterThan, after.entityId) } }
            }
            return try await q.orderBy("due_at").orderBy("id").limit(query.limit).all().map { row in
                Deadline(clock: Self.clock, entity: "ticket", entityId: try row.decode(column: "id", as: String.self),
                         merchantId: MerchantID(unchecked: try row.decode(column: "merchant_id", as: String.self)), subject: "ticket",
                         startedAt: Date(epochMillis: try row.decode(column: "started_at", as: Int64.self)),
                         dueAt: Date(epochMillis: try row.decode(column: "due_at", as: Int64.self)), link: nil)
            }
        }

        func breached(_ deadline: Deadline, at: Date, in sql: any SQLDatabase) async throws {
            try await sql.raw("UPDATE tickets SET escalations = escalations + 1 WHERE id = \(bind: deadline.entityId)").run()
            breaches.withLock { $0.append(deadline.entityId) }
        }
    }

    /// Keeps what would be sent, in the caller's transaction like the real notifier.
    final class RecordingNotifier: Notifier {
        let sent = Mutex<[NotificationRequest]>([])
        func notify(_ request: NotificationRequest, in sql: any SQLDatabase) async throws { sent.withLock { $0.append(request) } }
    }

    static func with(_ body: (Database, FixedClock, TicketClocks, RecordingNotifier, DeadlineScanner) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            try await db.transaction {
                try await $0.raw("""
                    CREATE TABLE tickets (id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, started_at BIGINT NOT NULL, due_at BIGINT NOT NULL,
                                          closed BOOLEAN NOT NULL DEFAULT FALSE, escalations BIGINT NOT NULL DEFAULT 0)
                    """).run()
            }
            let clock = FixedClock(TestFixtures.start)
            let source = TicketClocks()
            let notifier = RecordingNotifier()
            try await body(db, clock, source, notifier, DeadlineScanner(sources: [source], db: db, clock: clock, notifier: notifier))
        }
    }

    static func open(_ db: Database, _ id: String, merchant: String, at start: Date, hours: Double) async throws {
        try await db.transaction {
            try await $0.raw("""
                INSERT INTO tickets (id, merchant_id, started_at, due_at)
                VALUES (\(bind: id), \(bind: merchant), \(bind: start.epochMillis), \(bind: start.addingTimeInterval(hours * 3600).epochMillis))
                """).run()
        }
    }

    static func escalations(_ db: Database, _ id: String) async throws -> Int {
        try await db.read { try await $0.raw("SELECT escalations FROM tickets WHERE id = \(bind: id)").first()!.decode(column: "escalations", as: Int.self) }
    }

    @Test func dueSoonThenBreachedAreEachAnnouncedOnce() async throws {
        try await Self.with { db, clock, source, notifier, scanner in
            try await Self.open(db, "t1", merchant: "mer_a", at: clock.now(), hours: 24)
            #expect(try await db.transaction { try await scanner.scan(in: $0) }.isEmpty)          // 24 h left
            clock.advance(by: 21 * 3600)                                                           // 3 h left
            let soon = try await db.transaction { try await scanner.scan(in: $0) }
            #expect(soon.map(\.level) == [.dueSoon] && soon.first?.deadline.entityId == "t1")
            #expect(try await db.transaction { try await scanner.scan(in: $0) }.isEmpty)          // once
            #expect(try await Self.escalations(db, "t1") == 0)                                     // a warning changes nothing
            clock.advance(by: 3 * 3600)                                                            // due now
            let breached = try await db.transaction { try await scanner.scan(in: $0) }
            #expect(breached.map(\.level) == [.breached])
            #expect(try await db.transaction { try await scanner.scan(in: $0) }.isEmpty)
            #expect(try await Self.escalations(db, "t1") == 1 && source.breaches.withLock { $0 } == ["t1"])
            let sent = notifier.sent.withLock { $0 }
            #expect(sent.map(\.template) == ["deadline.due-soon", "deadline.breached"])
            // The owner is an operator role: never the merchant's own users.
            #expect(sent.allSatisfy { $0.recipients == [.role(.csAgent, merchantId: nil)] && $0.merchantId == "mer_a" && $0.entityId == "t1" })
            let audit = try await AuditLog.recent(db, merchantId: "mer_a", limit: 10).map(\.action)
            #expect(audit.sorted() == ["deadline.breached", "deadline.due-soon"])
            let counts = try await db.read { try await scanner.escalationCounts(in: $0) }
            #expect(counts["care.reply-24h"] == [.dueSoon: 1, .breached: 1])
        }
    }

    @Test func aClockFoundPastDueIsAnnouncedAsBreachedOnlyAndAFailedScanAnnouncesNothing() async throws {
        try await Self.with { db, clock, source, notifier, scanner in
            try await Self.open(db, "t2", merchant: "mer_a", at: clock.now(), hours: 1)
            clock.advance(by: 2 * 3600)
            struct Crash: Error {}
            // The worker dies after the scan, before commit: the announcement rolls back with it.
            await #expect(throws: Crash.self) {
                try await db.transaction { sql in
                    _ = try await scanner.scan(in: sql)
                    throw Crash()
                }
            }
            #expect(try await Self.escalations(db, "t2") == 0)
            let again = try await db.transaction { try await scanner.scan(in: $0) }
            #expect(again.map(\.level) == [.breached])
            #expect(try await Self.escalations(db, "t2") == 1)
            // What a transactional notifier would have sent: the breach only, never the missed due-soon.
            #expect(Set(notifier.sent.withLock { $0 }.map(\.template)) == ["deadline.breached"])
            let audit = try await AuditLog.recent(db, merchantId: "mer_a", limit: 10).map(\.action)
            #expect(audit == ["deadline.breached"] && source.clocks.count == 1)
        }
    }

    @Test func concurrentScansAnnounceEachBreachOnce() async throws {
        try await Self.with { db, clock, _, _, scanner in
            for i in 0..<20 { try await Self.open(db, "c\(i)", merchant: i % 2 == 0 ? "mer_a" : "mer_b", at: clock.now(), hours: 1) }
            clock.advance(by: 3600)
            let announced = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await db.transaction { try await scanner.scan(in: $0) }.count } }
                return try await group.reduce(0, +)
            }
            #expect(announced == 20)
            let once = try await db.read {
                try await $0.raw("SELECT COUNT(*) AS n FROM tickets WHERE escalations = 1").first()!.decode(column: "n", as: Int.self)
            }
            #expect(once == 20)
        }
    }

    @Test func theOpenListIsTenantScopedPagedAndMostUrgentFirst() async throws {
        try await Self.with { db, clock, _, _, scanner in
            try await Self.open(db, "a-late", merchant: "mer_a", at: clock.now(), hours: 20)
            try await Self.open(db, "a-soon", merchant: "mer_a", at: clock.now(), hours: 2)
            try await Self.open(db, "b-1", merchant: "mer_b", at: clock.now(), hours: 1)
            let officer = Principal(actorId: "usr_o", userId: "usr_o", merchantId: nil, role: .csAgent, channel: .session)
            let merchantA = Principal(actorId: "usr_a", userId: "usr_a", merchantId: "mer_a", role: .merchantAdmin, channel: .session)
            let all = try await scanner.list(DeadlineFilter(), by: officer)
            #expect(all.items.map(\.entityId) == ["b-1", "a-soon", "a-late"] && all.next == nil)
            let mine = try await scanner.list(DeadlineFilter(), by: merchantA)
            #expect(mine.items.map(\.entityId) == ["a-soon", "a-late"])
            #expect(mine.items.map { $0.state(at: clock.now()) } == [.dueSoon, .running])
            // Pages of one follow the cursor to the end; state filters select by due time.
            var seen: [String] = []
            var cursor: DeadlineQuery.Cursor?
            repeat {
                let page = try await scanner.list(DeadlineFilter(after: cursor, limit: 1), by: officer)
                seen += page.items.map(\.entityId)
                cursor = page.next
            } while cursor != nil
            #expect(seen == ["b-1", "a-soon", "a-late"])
            #expect(try await scanner.list(DeadlineFilter(state: .dueSoon), by: officer).items.map(\.entityId) == ["b-1", "a-soon"])
            #expect(try await scanner.list(DeadlineFilter(state: .running), by: merchantA).items.map(\.entityId) == ["a-late"])
            clock.advance(by: 3600)
            #expect(try await scanner.list(DeadlineFilter(state: .breached), by: officer).items.map(\.entityId) == ["b-1"])
            #expect(try await scanner.list(DeadlineFilter(module: "compliance"), by: officer).items.isEmpty)
            #expect(try await scanner.list(DeadlineFilter(owner: .csAgent), by: officer).items.count == 3)
            let counts = try await scanner.counts()
            #expect(counts["care.reply-24h"] == [.breached: 1, .dueSoon: 1, .running: 1])
        }
    }
}
