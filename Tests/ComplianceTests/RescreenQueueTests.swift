import Compliance
import Foundation
import Kernel
import Testing
import TestSupport

/// Issue 11 item 1: catalogue re-screens (CMP1, CMP2) run on Kernel's job queue; a worker that dies mid-job loses nothing.
@Suite struct RescreenQueueTests {
    typealias H = ComplianceHarness

    @Test func aRescreenAbandonedByAKilledWorkerIsTakenOverAfterItsLease() async throws {
        try await H.with { h in
            for i in 0..<5 { _ = try await h.listings.create(try H.input("Plain mug \(i)", markets: ["AU"]), by: H.merchantA) }
            let jobs = try await h.rescreens.enqueue(markets: ["AU"], reason: "manual", by: H.admin)
            let kernelJobs = try await h.queue.list(status: .queued, kind: ComplianceJobs.rescreenKind, limit: 10)
            #expect(jobs.count == 1 && kernelJobs.count == 1 && kernelJobs[0].payload.contains(jobs[0].id.rawValue))
            // A worker claims it and is killed before finishing: its lease holds the job for everyone else.
            let dead = try #require(try await h.queue.claim(worker: "killed", kinds: [ComplianceJobs.rescreenKind], lease: RescreenService.lease))
            #expect(try await h.rescreens.runNext() == nil)
            h.clock.advance(by: RescreenService.lease + 1)
            let done = try #require(try await h.rescreens.runNext(batchSize: 2))
            #expect(done.id == jobs[0].id && done.status == .done && done.processed == 5)
            let kernel = try #require(try await h.queue.get(dead.id.rawValue))
            #expect(kernel.status == .done && kernel.attempts == 2)
            // The killed worker's late completion is refused: nothing runs twice.
            #expect(try await h.db.transaction { sql in try await h.queue.complete(dead, worker: "killed", in: sql) } == false)
            #expect(try await h.rescreens.runNext() == nil)
        }
    }

    @Test func leaseRenewalFailsOnceTheClaimMovedOn() async throws {
        try await H.with { h in
            let queue = h.queue
            try await h.db.transaction { sql in _ = try await queue.enqueue(kind: "k", in: sql) }
            let first = try #require(try await queue.claim(worker: "a", kinds: ["k"], lease: 10))
            #expect(try await queue.extendLease(first, lease: 10))
            h.clock.advance(by: 11)
            let second = try #require(try await queue.claim(worker: "b", kinds: ["k"], lease: 10))
            #expect(second.id == first.id && second.attempts == 2)
            #expect(try await queue.extendLease(first, lease: 10) == false)
            #expect(try await queue.extendLease(second, lease: 10))
        }
    }
}
