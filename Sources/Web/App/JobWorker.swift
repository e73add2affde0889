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
    /// Database-only jobs (transactional handlers).
    let runner: JobRunner
    /// Jobs with outside effects (webhook deliveries) in their own lane, so a slow receiver (bounded by its timeout)
    /// never holds up the database jobs, such as the takedown escalation.
    let outsideRunner: JobRunner

    init(services: AppServices, logger: Logger, worker: String = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))") {
        self.services = services
        self.logger = logger
        runner = JobRunner(queue: services.jobs, worker: worker, handlers: services.jobHandlers.filter { $0.mode == .transactional },
                           deadLetters: services.notifier)
        outsideRunner = JobRunner(queue: services.jobs, worker: worker, handlers: services.jobHandlers.filter { $0.mode == .outsideTransaction },
                                  deadLetters: services.notifier)
    }

    func run() async throws {
        await runPeriodically(every: interval) { _ in await runOnce() }
    }

    /// One tick: schedule the recurring jobs, then run what is due in both lanes (bounded, so shutdown is never held up long).
    func runOnce() async {
        do {
            for recurring in services.recurringJobs { try await services.jobs.schedule(recurring) }
        } catch {
            logger.error("job worker failed", metadata: ["error": "\(error)"])
        }
        async let inside: Void = drain(runner)
        async let outside: Void = drain(outsideRunner)
        _ = await (inside, outside)
    }

    private func drain(_ runner: JobRunner) async {
        do {
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
