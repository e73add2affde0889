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
    /// Every registered kind.
    let runner: JobRunner
    /// Database-only kinds: the first lane runs only these, so jobs waiting on the outside world (a slow webhook
    /// receiver or SMTP server, bounded by their timeouts) never hold up the deadline scan or a re-screen batch.
    let databaseRunner: JobRunner
    /// Lanes claiming and running jobs at once in this instance (`TRADELANE_JOB_CONCURRENCY`). On SQLite every claim and
    /// completion takes the single writer, so more lanes mostly wait; on PostgreSQL they run side by side.
    let concurrency: Int
    /// Jobs one lane runs in a tick before the tick ends and the recurring slots are scheduled again.
    var perLaneTick = 200

    init(services: AppServices, logger: Logger, worker: String = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))") {
        self.services = services
        self.logger = logger
        // A job that goes dead is announced to operator admins (job.dead).
        runner = JobRunner(queue: services.jobs, worker: worker, handlers: services.jobHandlers, deadLetters: services.notifier)
        databaseRunner = JobRunner(queue: services.jobs, worker: worker, handlers: services.jobHandlers.filter { $0.mode == .transactional },
                                   deadLetters: services.notifier)
        concurrency = max(1, min(services.config.jobConcurrency, AppConfig.maxJobConcurrency))
    }

    func run() async throws {
        await runPeriodically(every: interval, busyAware: { _ in await runOnce() })
    }

    /// One tick: schedule the recurring jobs, then run due jobs on every lane until none is due or each lane ran its
    /// share (bounded, so shutdown is never held up long). Returns true when a lane stopped with jobs left: the next
    /// tick then follows at once, so a backlog of thousands drains without waiting a second per hundred.
    @discardableResult
    func runOnce() async -> Bool {
        do {
            for recurring in services.recurringJobs { try await services.jobs.schedule(recurring) }
        } catch {
            logger.error("job worker failed", metadata: ["error": "\(error)"])
            return false
        }
        return await withTaskGroup(of: Bool.self) { group in
            for lane in 0..<concurrency { group.addTask { await runLane(lane == 0 && concurrency > 1 ? databaseRunner : runner) } }
            var busy = false
            for await laneBusy in group { busy = busy || laneBusy }
            return busy
        }
    }

    /// Runs jobs one after another; true when it stopped because it ran its share, not because none was due.
    private func runLane(_ runner: JobRunner) async -> Bool {
        do {
            for _ in 0..<perLaneTick {
                if Task.isCancelled || Task.isShuttingDownGracefully { return false }
                guard let outcome = try await runner.runNext() else { return false }
                if case .failed(let id, let status) = outcome {
                    logger.warning("job failed", metadata: ["job": "\(id)", "status": "\(status.rawValue)"])
                }
                await Task.yield()
            }
            return true
        } catch {
            logger.error("job worker failed", metadata: ["error": "\(error)"])
            return false
        }
    }
}
