import Foundation
import Kernel
import SQLKit
import Synchronization
import Testing
import TestSupport

/// Issue 11 item 1: `system.probe`, the operators' check that every instance's worker runs jobs exactly once (the
/// service behind `tradelane jobs probe` / `probe-status`), on the engine under test.
@Suite struct SystemProbeTests {
    static func with(_ body: (Database, SystemProbe, FixedClock) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            let clock = FixedClock(TestFixtures.start)
            // 40 a transaction: the batches below take several, as ten thousand take ten by default.
            try await body(db, SystemProbe(queue: JobQueue(db: db, clock: clock), perTransaction: 40), clock)
        }
    }

    static func runner(_ probe: SystemProbe, _ worker: String) -> JobRunner {
        JobRunner(queue: probe.queue, worker: worker, handlers: [probe.handler])
    }

    @Test func twoWorkersRunABatchOnceEachAndTheStatusAddsUp() async throws {
        try await Self.with { db, probe, clock in
            let (batch, added) = try await probe.enqueue(count: 125, batch: "b-1")
            #expect(batch == "b-1" && added == 125)
            var status = try await probe.status(batch: "b-1")
            #expect(status.enqueued == 125 && status.pending == 125 && status.done == 0 && status.effects == 0)
            // Enqueueing the batch again adds only the numbers not there yet.
            #expect(try await probe.enqueue(count: 130, batch: "b-1").added == 5)
            // Another batch is counted apart.
            let other = try await probe.enqueue(count: 3).batch
            #expect(other.hasPrefix("probe-") && other != "b-1")

            let ran = try await withThrowingTaskGroup(of: Int.self) { group in
                for w in ["w1", "w2"] { group.addTask { try await Self.runner(probe, w).drain() } }
                return try await group.reduce(0, +)
            }
            #expect(ran == 133)
            status = try await probe.status(batch: "b-1")
            #expect(status.enqueued == 130 && status.done == 130 && status.pending == 0 && status.dead == 0)
            #expect(status.effects == 130 && status.duplicates == 0 && status.retried == 0)
            #expect(Set(status.workers.keys).isSubset(of: ["w1", "w2"]) && status.workers.values.reduce(0, +) == 130)
            let doneAt = try await db.read {
                try await $0.raw("SELECT MIN(done_at) AS a, MAX(done_at) AS b FROM job_probes").first()!
            }
            #expect(try doneAt.decode(column: "a", as: Int64.self) == clock.now().epochMillis)
            #expect(try await probe.status(batch: other).effects == 3)
        }
    }

    /// A worker killed holding a probe keeps it only for the probe's short lease; then another worker runs it once.
    @Test func aKilledWorkersProbeComesBackAfterItsShortLease() async throws {
        try await Self.with { _, probe, clock in
            _ = try await probe.enqueue(count: 2, batch: "lease")
            let held = try #require(try await probe.queue.claim(worker: "killed", leases: [SystemProbe.kind: SystemProbe.lease]))
            #expect(held.lockedUntil == clock.now().addingTimeInterval(SystemProbe.lease))
            let survivor = Self.runner(probe, "survivor")
            #expect(try await survivor.drain() == 1)          // the other one
            var status = try await probe.status(batch: "lease")
            #expect(status.done == 1 && status.running == 1 && status.pending == 1)
            clock.advance(by: SystemProbe.lease + 1)
            #expect(try await survivor.runNext() == .done(held.id))
            status = try await probe.status(batch: "lease")
            #expect(status.done == 2 && status.effects == 2 && status.retried == 1 && status.workers == ["survivor": 2])
            // The runner leases each kind for its own time, not the longest of all registered kinds.
            let leases = Leases()
            let record: @Sendable (Job, any SQLDatabase) async throws -> Void = { job, _ in
                leases.seen.withLock { $0[job.kind] = job.lockedUntil!.timeIntervalSince(clock.now()) }
            }
            let mixed = JobRunner(queue: probe.queue, worker: "mixed", handlers: [
                JobHandler(kind: "slow", lease: 3600, record), JobHandler(kind: "quick", lease: 20, record),
            ])
            try await probe.queue.db.transaction { sql in
                try await probe.queue.enqueue(kind: "slow", in: sql)
                try await probe.queue.enqueue(kind: "quick", in: sql)
            }
            #expect(try await mixed.drain() == 2)
            #expect(leases.seen.withLock { $0 } == ["slow": 3600, "quick": 20])
        }
    }

    final class Leases: Sendable {
        let seen = Mutex<[String: TimeInterval]>([:])
    }

    /// The effect's key is the job id: a second effect of the same job fails that run instead of passing unseen.
    @Test func aSecondEffectOfOneJobFailsItsRun() async throws {
        try await Self.with { db, probe, _ in
            _ = try await probe.enqueue(count: 1, batch: "twice")
            let job = try #require(try await probe.queue.list(status: .queued, kind: SystemProbe.kind, limit: 1).first)
            try await db.transaction { sql in
                try await sql.raw("INSERT INTO job_probes (job_id, batch, worker, done_at) VALUES (\(bind: job.id.rawValue), 'twice', 'earlier', 0)").run()
            }
            #expect(try await Self.runner(probe, "w1").runNext() == .failed(job.id, .failed))
            let status = try await probe.status(batch: "twice")
            #expect(status.done == 0 && status.pending == 1 && status.effects == 1 && status.duplicates == 0 && status.workers == ["earlier": 1])
        }
    }

    @Test func countsAndBatchNamesAreBounded() async throws {
        try await Self.with { _, probe, _ in
            for (count, batch, field) in [(0, "ok", "count"), (SystemProbe.maxCount + 1, "ok", "count"), (1, "no spaces", "batch"),
                                          (1, "", "batch"), (1, String(repeating: "x", count: 65), "batch"), (1, "名字", "batch")] {
                let error = await #expect(throws: ValidationError.self) { try await probe.enqueue(count: count, batch: batch) }
                #expect(error?.fieldErrors.map(\.field) == [field])
            }
            await #expect(throws: ValidationError.self) { try await probe.status(batch: "x'; DROP TABLE jobs; --") }
            let enqueued = try await probe.queue.list(status: nil, limit: 10)
            #expect(enqueued.isEmpty)
        }
    }
}
