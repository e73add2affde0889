import Foundation
import Kernel
import Logging
import ServiceLifecycle

/// Runs Kernel's job queue next to the HTTP server: keeps every recurring job's next slot enqueued and runs due jobs
/// of the kinds the modules registered. Every instance runs one; claims are leases (SKIP LOCKED on PostgreSQL), so
/// instances share the work and a killed one loses nothing.
struct JobWorker: Service {
    let services: AppServices
    let logger: Logger
    var interval: Duration = .seconds(1)
    let runner: JobRunner

    init(services: AppServices, logger: Logger, worker: String = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))") {
        self.services = services
        self.logger = logger
        runner = JobRunner(queue: services.jobs, worker: worker, handlers: services.jobHandlers, deadLetters: services.notifier)
    }

    func run() async throws {
        await runPeriodically(every: interval) { _ in await runOnce() }
    }

    /// One tick: schedule the recurring jobs, then run what is due (bounded, so shutdown is never held up long).
    func runOnce() async {
        do {
            for recurring in services.recurringJobs { try await services.jobs.schedule(recurring) }
            for _ in 0..<100 {
                guard let outcome = try await runner.runNext() else { break }
                if case .failed(let id, let status) = outcome {
                    logger.warning("job failed", metadata: ["job": "\(id)", "status": "\(status.rawValue)"])
                }
            }
        } catch {
            logger.error("job worker failed", metadata: ["error": "\(error)"])
        }
    }
}
