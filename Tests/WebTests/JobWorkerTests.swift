import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Logging
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 11 items 1–2: the app's job worker runs the modules' recurring jobs from Kernel's queue; the deadline
/// scanner escalates the 24 h takedown clock (CMP3) from there.
@Suite struct JobWorkerTests {
    @Test func takedownEscalationRunsOnceFromTheQueueWhateverTheNumberOfWorkers() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let listing = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: ListingAPITests.body)
            let listingId = try #require(listing.json.str("id"))
            let report = try await c.call(.post, "/api/v1/takedowns", key: h.operatorKey,
                                          json: #"{"listingId":"\#(listingId)","category":"brand","reason":"Rights holder notice"}"#)
            let caseId = try #require(report.json.str("id"))
            let workers = (0..<3).map { JobWorker(services: h.services, logger: Logger(label: "test"), worker: "w\($0)") }
            h.clock.advance(by: 25 * 3600)
            // The first tick only enqueues the next slot of the sweep; nothing is due yet.
            for w in workers { await w.runOnce() }
            #expect(try await c.call(.get, "/api/v1/takedowns/\(caseId)", key: h.operatorKey).json["escalatedAt"] is NSNull)
            let scheduled = try await h.services.jobs.list(status: .queued, kind: DeadlineScanner.job.kind, limit: 10)
            #expect(scheduled.count == 1)   // three instances, one slot
            h.clock.advance(by: 61)
            for w in workers { await w.runOnce() }
            let escalated = try await c.call(.get, "/api/v1/takedowns/\(caseId)", key: h.operatorKey)
            #expect(escalated.json.str("escalatedAt") != nil)
            let audit = try await AuditLog.recent(h.services.db, merchantId: h.merchantA.id, limit: 50).map(\.action)
            #expect(audit.filter { $0 == "takedown.breached" }.count == 1)
            let stats = try #require(try await h.services.jobs.stats().first { $0.kind == DeadlineScanner.job.kind })
            #expect(stats.counts[.done] == 1 && stats.counts[.queued] == 1)   // ran once, the next slot is waiting
            let metrics = String(buffer: try await c.call(.get, "/metrics", key: nil).raw)
            #expect(metrics.contains(#"tradelane_jobs{kind="kernel.deadline-scan",status="done"} 1"#))
            #expect(metrics.contains(#"tradelane_jobs_oldest_waiting_seconds{kind="kernel.deadline-scan"} 0"#))
        }
    }

    @Test func recurringSlotsAlignToThePeriod() {
        let job = RecurringJob(kind: "k", every: 60)
        let t = Date(epochMillis: 1_772_400_030_500)
        #expect(job.nextSlot(after: t) == Date(epochMillis: 1_772_400_060_000))
        #expect(job.nextSlot(after: Date(epochMillis: 1_772_400_060_000)) == Date(epochMillis: 1_772_400_120_000))
    }
}
