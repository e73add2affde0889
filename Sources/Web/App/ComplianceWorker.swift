import Compliance
import Foundation
import Kernel
import Logging
import ServiceLifecycle

/// Background compliance work next to the HTTP server (CMP1–CMP5): runs queued re-screen jobs, follows catalogue
/// versions approved on other instances and rules coming into force, and re-opens restricted findings of listings
/// whose certificates lapsed. (Takedown escalation runs on Kernel's job queue: `ComplianceJobs`, `JobWorker`.) Every instance runs it; jobs are claimed
/// atomically, so they do not collide.
struct ComplianceWorker: Service {
    let services: AppServices
    let logger: Logger
    var interval: Duration = .seconds(2)
    /// Sweeps (certificate expiry) every this many ticks.
    var sweepEvery = 30

    func run() async throws {
        await runPeriodically(every: interval) { tick in await runOnce(sweep: tick % sweepEvery == 0) }
    }

    func runOnce(sweep: Bool) async {
        do {
            try await services.catalogue.sync()
            while let job = try await services.rescreens.runNext() {
                logger.info("re-screen job done", metadata: ["job": "\(job.id)", "market": "\(job.market.rawValue)",
                                                             "processed": "\(job.processed)", "casesOpened": "\(job.casesOpened)"])
            }
            if sweep {
                let listings = try await services.certifications.expireLapsed()
                if !listings.isEmpty {
                    _ = try await services.rescreens.rescreen(listingIds: listings, reason: "certificate expired")
                }
            }
        } catch {
            logger.error("compliance worker failed", metadata: ["error": "\(error)"])
        }
    }
}
