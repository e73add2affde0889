import Foundation
import SQLKit

/// What a module registers for each job kind it owns. A transactional handler runs inside the transaction that also
/// marks its job done, so a database-only effect happens exactly once even when a worker dies mid-job (the lease
/// runs out, the effect rolled back, another worker runs it again). A handler with outside effects (a webhook, an
/// e-mail) runs outside any transaction, on statements that each take a free pooled connection (`Database.pooled`),
/// and must itself be idempotent: delivery is at least once.
public struct JobHandler: Sendable {
    public enum Mode: Sendable { case transactional, outsideTransaction }
    public let kind: String
    public let mode: Mode
    /// How long one attempt may take before another worker may take the job over.
    public let lease: TimeInterval
    let run: @Sendable (Job, any SQLDatabase) async throws -> Void

    public init(kind: String, mode: Mode = .transactional, lease: TimeInterval = 300,
                _ run: @escaping @Sendable (Job, any SQLDatabase) async throws -> Void) {
        self.kind = kind; self.mode = mode; self.lease = lease; self.run = run
    }
}

/// Claims due jobs of the registered kinds and runs them: done on success, retried with backoff on a throw, dead
/// after the last attempt. A throwing or unknown job never stops the others.
public struct JobRunner: Sendable {
    public let queue: JobQueue
    public let worker: String
    let handlers: [String: JobHandler]
    /// Told when a job goes dead (template `job.dead`, to operator admins), so nobody has to watch the Jobs page.
    let deadLetters: (any Notifier)?

    public init(queue: JobQueue, worker: String, handlers: [JobHandler], deadLetters: (any Notifier)? = nil) {
        self.queue = queue; self.worker = worker; self.deadLetters = deadLetters
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public enum Outcome: Sendable, Equatable {
        case done(JobID)
        case failed(JobID, Job.Status)
        /// The lease was lost before completion (another worker owns the job now): nothing committed.
        case leaseLost(JobID)
    }

    /// Runs one due job, or returns nil when none is due.
    public func runNext() async throws -> Outcome? {
        let (claimed, reaped) = try await queue.claimReaping(worker: worker, leases: handlers.mapValues(\.lease))
        // A job whose worker died on its last attempt is dead now: announce it like any other dead job.
        for job in reaped { await announceDead(job) }
        guard let job = claimed, let handler = handlers[job.kind] else { return nil }
        do {
            let completed: Bool
            switch handler.mode {
            case .transactional:
                completed = try await queue.db.requestTransaction { [queue, worker] sql in
                    try await handler.run(job, sql)
                    guard try await queue.complete(job, worker: worker, in: sql) else { throw JobLeaseLost() }
                    return true
                }
            case .outsideTransaction:
                // No connection is held while the handler waits on the outside world.
                try await handler.run(job, queue.db.pooled)
                completed = try await queue.db.transaction { [queue, worker] sql in try await queue.complete(job, worker: worker, in: sql) }
            }
            return completed ? .done(job.id) : .leaseLost(job.id)
        } catch is JobLeaseLost {
            return .leaseLost(job.id)
        } catch {
            let status = try await queue.fail(job, worker: worker, error: String(describing: error))
            if status == .dead { await announceDead(job) }
            return .failed(job.id, status)
        }
    }

    /// Best effort: a failing announcement never changes the job's outcome. Notification deliveries themselves are
    /// not announced (their record shows the state, and an SMTP outage must not announce itself by e-mail forever).
    func announceDead(_ job: Job) async {
        guard let deadLetters, !job.kind.hasPrefix("notifications.") else { return }
        let request = NotificationRequest(
            recipients: [.role(.operatorAdmin, merchantId: nil)], template: "job.dead",
            params: ["jobId": job.id.rawValue, "kind": job.kind, "attempts": String(job.attempts)],
            entity: "job", entityId: job.id.rawValue, dedupeKey: "job.dead:\(job.id.rawValue):\(job.attempts)")
        _ = try? await queue.db.transaction { sql in try await deadLetters.notify(request, in: sql) }
    }

    /// Runs due jobs until none is left or `limit` ran; returns how many ran.
    @discardableResult
    public func drain(limit: Int = 10_000) async throws -> Int {
        var n = 0
        while n < limit, try await runNext() != nil { n += 1 }
        return n
    }

}

/// Thrown by a handler (or the runner) when its claim moved to another worker: nothing is recorded for this attempt,
/// the new owner carries on.
public struct JobLeaseLost: Error, Sendable { public init() {} }
