import Foundation
import Kernel
import Logging
import Testing
import TestSupport
@testable import Web

/// Issue 11 item 1: an instance's job worker runs several lanes at once (`TRADELANE_JOB_CONCURRENCY`) and keeps
/// claiming while jobs are due, a bounded share per lane and tick, instead of a hundred a second.
@Suite struct JobWorkerBacklogTests {
    @Test func aBacklogDrainsTickAfterTickWithoutWaitingAndEveryJobRunsOnce() async throws {
        try await TestDatabase.with(migrations: AllMigrations.list) { db in
            var config = AppConfig(bcryptCost: 4)
            config.jobConcurrency = 3
            let services = AppServices(db: db, clock: FixedClock(TestFixtures.start), cipher: TestFixtures.cipher, config: config)
            let probe = SystemProbe(queue: services.jobs)
            _ = try await probe.enqueue(count: 70, batch: "backlog")
            var worker = JobWorker(services: services, logger: Logger(label: "test"), worker: "w")
            worker.perLaneTick = 10
            #expect(worker.concurrency == 3)
            // Each lane ran its share with jobs left: the tick says so, and the loop starts the next one at once.
            #expect(await worker.runOnce() == true)
            #expect(try await probe.status(batch: "backlog").done == 30)
            #expect(await worker.runOnce() == true)
            #expect(try await probe.status(batch: "backlog").done == 60)
            var ticks = 0
            while await worker.runOnce(), ticks < 5 { ticks += 1 }
            #expect(await worker.runOnce() == false)   // idle: the loop waits its interval
            let status = try await probe.status(batch: "backlog")
            #expect(status.done == 70 && status.effects == 70 && status.duplicates == 0 && status.workers == ["w": 70])
        }
    }

    @Test func concurrencyComesFromTheEnvironmentAndIsBounded() async throws {
        #expect(AppConfig.fromEnvironment([:]).jobConcurrency == 2)
        #expect(AppConfig.fromEnvironment(["TRADELANE_JOB_CONCURRENCY": "5"]).jobConcurrency == 5)
        try await TestDatabase.with(migrations: AllMigrations.list) { db in
            for (asked, got) in [(0, 1), (-3, 1), (7, 7), (10_000, AppConfig.maxJobConcurrency)] {
                var config = AppConfig(bcryptCost: 4)
                config.jobConcurrency = asked
                let services = AppServices(db: db, clock: FixedClock(TestFixtures.start), cipher: TestFixtures.cipher, config: config)
                #expect(JobWorker(services: services, logger: Logger(label: "test")).concurrency == got)
            }
        }
    }
}
