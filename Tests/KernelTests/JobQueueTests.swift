import Foundation
import Kernel
import SQLKit
import Synchronization
import Testing
import TestSupport

/// Issue 11 item 1: the job queue and outbox, on the engine under test.
@Suite struct JobQueueTests {
    static let admin = Principal(actorId: "usr_admin", userId: "usr_admin", merchantId: nil, role: .operatorAdmin, channel: .session)

    static func with(_ body: (Database, JobQueue, FixedClock) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            try await db.transaction { try await $0.raw("CREATE TABLE effects (job_id TEXT NOT NULL, n BIGINT NOT NULL)").run() }
            let clock = FixedClock(TestFixtures.start)
            try await body(db, JobQueue(db: db, clock: clock), clock)
        }
    }

    static func effects(_ db: Database) async throws -> Int {
        try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM effects").first()!.decode(column: "n", as: Int.self) }
    }

    /// A transactional handler that records its effect once per run.
    static let recording = JobHandler(kind: "record") { job, sql in
        try await sql.raw("INSERT INTO effects (job_id, n) VALUES (\(bind: job.id.rawValue), \(bind: Int64(job.attempts)))").run()
    }

    struct Boom: Error {}

    @Test func enqueueCommitsOrRollsBackWithTheCallersChange() async throws {
        try await Self.with { db, queue, _ in
            await #expect(throws: Boom.self) {
                try await db.transaction { sql in
                    try await queue.enqueue(kind: "record", in: sql)
                    throw Boom()
                }
            }
            #expect(try await queue.list(status: nil, limit: 10).isEmpty)
            let id = try await db.transaction { try await queue.enqueue(kind: "record", payload: #"{"n":1}"#, in: $0) }
            let jobId = try #require(id)
            let job = try #require(try await queue.get(jobId.rawValue))
            #expect(job.status == .queued && job.attempts == 0 && job.payload == #"{"n":1}"#)
        }
    }

    @Test func aJobRunsOnceAndIsDone() async throws {
        try await Self.with { db, queue, _ in
            let id = try #require(try await db.transaction { try await queue.enqueue(kind: "record", in: $0) })
            let runner = JobRunner(queue: queue, worker: "w1", handlers: [Self.recording])
            #expect(try await runner.runNext() == .done(id))
            #expect(try await runner.runNext() == nil)
            #expect(try await Self.effects(db) == 1)
            let job = try #require(try await queue.get(id.rawValue))
            #expect(job.status == .done && job.attempts == 1 && job.lockedBy == nil && job.finishedAt == TestFixtures.start)
        }
    }

    /// A throwing handler is retried after an exponential, jittered delay and dead-lettered with its error after the
    /// last attempt; its failures never hold up the other jobs (a poison job cannot stop the queue).
    @Test func failuresBackOffThenDeadLetterWithoutBlockingOthers() async throws {
        try await Self.with { db, queue, clock in
            let poison = try #require(try await db.transaction { try await queue.enqueue(kind: "poison", maxAttempts: 3, in: $0) })
            let healthy = try #require(try await db.transaction { try await queue.enqueue(kind: "record", in: $0) })
            let runner = JobRunner(queue: queue, worker: "w1", handlers: [
                Self.recording, JobHandler(kind: "poison") { _, _ in throw Boom() },
            ])
            // Both are due at once (claimed in id order, which is random): the healthy one runs whatever the poison does.
            let firstTwo = [try await runner.runNext(), try await runner.runNext()]
            #expect(firstTwo.contains(.failed(poison, .failed)) && firstTwo.contains(.done(healthy)))
            let first = try #require(try await queue.get(poison.rawValue))
            let wait = first.runAt.timeIntervalSince(clock.now())
            #expect(wait >= 5 && wait <= 5 * 1.25 && first.lastError?.contains("Boom") == true)
            #expect(try await runner.runNext() == nil)                // the retry is not due yet
            clock.advance(by: 7)
            #expect(try await runner.runNext() == .failed(poison, .failed))
            let second = try #require(try await queue.get(poison.rawValue))
            #expect(second.runAt.timeIntervalSince(clock.now()) >= 10)   // doubled
            clock.advance(by: 20)
            #expect(try await runner.runNext() == .failed(poison, .dead))
            clock.advance(by: 3600)
            #expect(try await runner.runNext() == nil)
            let dead = try #require(try await queue.get(poison.rawValue))
            #expect(dead.status == .dead && dead.attempts == 3 && dead.lastError?.contains("Boom") == true)
            // An operator sends it round again with fresh attempts; both moves are audited; merchants may not.
            await #expect(throws: CommonError.denied(.jobsOperate, role: .merchantAdmin)) {
                try await queue.retryNow(poison.rawValue, by: Principal(actorId: "usr_m", userId: "usr_m", merchantId: "mer_a",
                                                                        role: .merchantAdmin, channel: .session))
            }
            let again = try await queue.retryNow(poison.rawValue, by: Self.admin)
            #expect(again.status == .queued && again.attempts == 0)
            let discarded = try await queue.discard(poison.rawValue, by: Self.admin)
            #expect(discarded.status == .dead && discarded.lastError == "discarded by usr_admin")
            await #expect(throws: CommonError.self) { try await queue.discard(healthy.rawValue, by: Self.admin) }   // done jobs stay done
            let actions = try await AuditLog.recent(db, merchantId: nil, limit: 10).map(\.action)
            #expect(actions.contains("job.retried") && actions.contains("job.discarded"))
        }
    }

    /// A worker killed mid-job keeps its lease until it runs out; then another worker takes the job over, and the
    /// dead worker's late completion is refused. A job whose lease runs out on its last attempt is dead-lettered.
    @Test func anExpiredLeaseIsTakenOverAndTheLateWorkerLosesIt() async throws {
        try await Self.with { db, queue, clock in
            let id = try #require(try await db.transaction { try await queue.enqueue(kind: "record", maxAttempts: 2, in: $0) })
            let crashed = try #require(try await queue.claim(worker: "dead-worker", kinds: ["record"], lease: 300))
            #expect(crashed.id == id && crashed.status == .running && crashed.lockedBy == "dead-worker")
            let other = JobRunner(queue: queue, worker: "w2", handlers: [Self.recording])
            #expect(try await other.runNext() == nil)   // lease still held
            clock.advance(by: 301)
            #expect(try await other.runNext() == .done(id))
            #expect(try await db.transaction { try await queue.complete(crashed, worker: "dead-worker", in: $0) } == false)
            #expect(try await Self.effects(db) == 1)

            let last = try #require(try await db.transaction { try await queue.enqueue(kind: "record", maxAttempts: 1, in: $0) })
            _ = try await queue.claim(worker: "dead-worker", kinds: ["record"], lease: 300)
            clock.advance(by: 301)
            #expect(try await other.runNext() == nil)
            let dead = try #require(try await queue.get(last.rawValue))
            #expect(dead.status == .dead && dead.lastError?.contains("lease expired") == true)
        }
    }

    @Test func scheduledJobsWaitAndDedupeKeysEnqueueOnce() async throws {
        try await Self.with { db, queue, clock in
            let later = clock.now().addingTimeInterval(3600)
            let first = try await db.transaction { try await queue.enqueue(kind: "record", runAt: later, dedupeKey: "daily:2026-03-02", in: $0) }
            let second = try await db.transaction { try await queue.enqueue(kind: "record", runAt: later, dedupeKey: "daily:2026-03-02", in: $0) }
            #expect(first != nil && second == nil)
            let runner = JobRunner(queue: queue, worker: "w1", handlers: [Self.recording])
            #expect(try await runner.runNext() == nil)
            let waiting = try await queue.stats()
            #expect(waiting.map(\.kind) == ["record"] && waiting[0].counts[.queued] == 1 && waiting[0].oldestWaitingSeconds == nil)
            clock.advance(by: 3700)
            #expect(try await queue.stats()[0].oldestWaitingSeconds == 100)
            #expect(try await runner.runNext() == .done(first!))
            #expect(try await queue.stats()[0].counts[.done] == 1)
        }
    }

    /// Several workers draining one queue at once: every job's effect happens exactly once (SKIP LOCKED on
    /// PostgreSQL, the single writer on SQLite).
    @Test func concurrentWorkersRunEachJobExactlyOnce() async throws {
        try await Self.with { db, queue, _ in
            try await db.transaction { sql in
                for i in 0..<200 { try await queue.enqueue(kind: "record", payload: #"{"i":\#(i)}"#, in: sql) }
            }
            let ran = try await withThrowingTaskGroup(of: Int.self) { group in
                for w in 0..<4 {
                    group.addTask { try await JobRunner(queue: queue, worker: "w\(w)", handlers: [Self.recording]).drain() }
                }
                return try await group.reduce(0, +)
            }
            #expect(ran == 200)
            #expect(try await Self.effects(db) == 200)
            let distinct = try await db.read { try await $0.raw("SELECT COUNT(DISTINCT job_id) AS n FROM effects").first()!.decode(column: "n", as: Int.self) }
            #expect(distinct == 200)
            #expect(try await queue.list(status: .done, limit: 500).count == 200)
        }
    }

    @Test func retryDelaysGrowAreCappedAndJittered() {
        var rng = SystemRandomNumberGenerator()
        let policy = RetryPolicy(base: 5, cap: 60, jitter: 0.25)
        for attempt in 1...10 {
            let raw = min(60, 5 * pow(2, Double(attempt - 1)))
            let d = policy.delay(afterAttempt: attempt, using: &rng)
            #expect(d >= raw && d <= raw * 1.25)
        }
        let none = RetryPolicy(base: 5, cap: 60, jitter: 0)
        #expect(none.delay(afterAttempt: 3, using: &rng) == 20)
    }
}

/// A job whose worker died on its last attempt goes dead when its lease runs out, and is announced like any other.
@Suite struct JobReapTests {
    final class Recorder: Notifier {
        let sent = Mutex<[NotificationRequest]>([])
        func notify(_ request: NotificationRequest, in sql: any SQLDatabase) async throws { sent.withLock { $0.append(request) } }
    }

    @Test func aJobKilledOnItsLastAttemptIsDeadLetteredAndAnnounced() async throws {
        try await JobQueueTests.with { db, queue, clock in
            let id = try #require(try await db.transaction { try await queue.enqueue(kind: "record", maxAttempts: 1, in: $0) })
            _ = try #require(try await queue.claim(worker: "killed", kinds: ["record"], lease: 10))
            let recorder = Recorder()
            let runner = JobRunner(queue: queue, worker: "w", handlers: [JobQueueTests.recording], deadLetters: recorder)
            #expect(try await runner.runNext() == nil)                 // still leased: nothing to do, nothing announced
            #expect(recorder.sent.withLock { $0 }.isEmpty)
            clock.advance(by: 11)
            #expect(try await runner.runNext() == nil)                 // out of attempts: not run again
            let job = try #require(try await queue.get(id.rawValue))
            #expect(job.status == .dead && job.lastError?.contains("lease expired") == true)
            #expect(try await JobQueueTests.effects(db) == 0)
            let sent = recorder.sent.withLock { $0 }
            #expect(sent.map(\.template) == ["job.dead"] && sent.first?.entityId == id.rawValue)
            #expect(sent.first?.recipients == [.role(.operatorAdmin, merchantId: nil)])
            #expect(try await runner.runNext() == nil && recorder.sent.withLock { $0 }.count == 1)   // once
        }
    }
}
