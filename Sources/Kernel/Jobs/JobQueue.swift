import Foundation
import SQLKit

/// The `jobs` table: enqueue inside the caller's transaction (the outbox), claim with `FOR UPDATE SKIP LOCKED` on
/// PostgreSQL so any number of instances share the queue, and with SQLite's single writer (`BEGIN IMMEDIATE`) as the
/// one claimer on a single node. A claim is a lease: a worker killed mid-job leaves it `running` until the lease
/// runs out, then another claims it (at-least-once).
public struct JobQueue: Sendable {
    public let db: Database
    public let clock: any WallClock
    public let retry: RetryPolicy
    let audit: AuditLog

    public init(db: Database, clock: any WallClock, retry: RetryPolicy = .standard) {
        self.db = db; self.clock = clock; self.retry = retry; audit = AuditLog(clock: clock)
    }

    static let columns = "id, kind, payload, status, attempts, max_attempts, run_at, locked_by, locked_until, last_error, dedupe_key, created_at, finished_at"

    /// Adds a job in the caller's transaction. With a `dedupeKey` already present nothing is added and nil returned.
    @discardableResult
    public func enqueue(kind: String, payload: String = "{}", runAt: Date? = nil, maxAttempts: Int = 8, dedupeKey: String? = nil,
                        in sql: any SQLDatabase) async throws -> JobID? {
        let id = JobID.generate()
        let now = clock.now().epochMillis
        let inserted = try await sql.raw("""
            INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, run_at, dedupe_key, created_at, updated_at)
            VALUES (\(bind: id.rawValue), \(bind: kind), \(bind: payload), 'queued', 0, \(bind: Int64(max(1, maxAttempts))),
                    \(bind: runAt?.epochMillis ?? now), \(bind: dedupeKey), \(bind: now), \(bind: now))
            ON CONFLICT DO NOTHING RETURNING id
            """).all()
        return inserted.isEmpty ? nil : id
    }

    /// Enqueues an `Encodable` payload.
    @discardableResult
    public func enqueue(kind: String, _ payload: some Encodable, runAt: Date? = nil, maxAttempts: Int = 8, dedupeKey: String? = nil,
                        in sql: any SQLDatabase) async throws -> JobID? {
        let json = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        return try await enqueue(kind: kind, payload: json, runAt: runAt, maxAttempts: maxAttempts, dedupeKey: dedupeKey, in: sql)
    }

    /// Claims the next due job of one of `kinds` for `worker` until `now + lease`, or nil when none is due. Leases that
    /// ran out with no attempts left are dead-lettered first, so a job that kills its worker cannot loop forever.
    public func claim(worker: String, kinds: [String], lease: TimeInterval) async throws -> Job? {
        try await claim(worker: worker, leases: Dictionary(kinds.map { ($0, lease) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Claims the next due job of one of the kinds in `leases`, leased for that kind's time: a kind whose jobs are
    /// quick gets a short lease, so a killed worker's job comes back soon, while a slow kind keeps a long one.
    public func claim(worker: String, leases: [String: TimeInterval]) async throws -> Job? {
        try await claimReaping(worker: worker, leases: leases).job
    }

    /// `claim`, also returning the jobs it dead-lettered first (their lease ran out on the last attempt: the worker was
    /// killed or stalled), so the runner can announce them like any other dead job.
    public func claimReaping(worker: String, leases: [String: TimeInterval]) async throws -> (job: Job?, reaped: [Job]) {
        guard !leases.isEmpty else { return (nil, []) }
        let kinds = leases.keys.sorted()
        let now = clock.now().epochMillis
        let leaseMillis: [SQLQueryString] = kinds.map { "WHEN \(bind: $0) THEN \(bind: Int64(leases[$0]! * 1000))" }
        let until: SQLQueryString = "\(bind: now) + CASE kind " + leaseMillis.joined(separator: " ") + " ELSE \(bind: Int64(300_000)) END"
        let skipLocked = db.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        // Two candidates, each read off an index in order (a killed worker's expired lease first, then the oldest due
        // job via `jobs_claimable`), instead of sorting every due job on each claim: a backlog of 10,000 costs no more
        // per claim than one of ten.
        return try await db.transaction { sql in
            let reaped = try await sql.raw("""
                UPDATE jobs SET status = 'dead', last_error = 'lease expired on the last attempt (worker killed or stalled)',
                    locked_by = NULL, locked_until = NULL, finished_at = \(bind: now), updated_at = \(bind: now)
                WHERE status = 'running' AND locked_until < \(bind: now) AND attempts >= max_attempts
                RETURNING \(unsafeRaw: Self.columns)
                """).all().map(Self.job)
            let rows = try await sql.raw("""
                UPDATE jobs SET status = 'running', locked_by = \(bind: worker), locked_until = \(until),
                    attempts = attempts + 1, updated_at = \(bind: now)
                WHERE id = COALESCE(
                    (SELECT id FROM jobs WHERE status = 'running' AND locked_until < \(bind: now) AND kind IN (\(binds: kinds))
                     ORDER BY locked_until LIMIT 1\(unsafeRaw: skipLocked)),
                    (SELECT id FROM jobs WHERE status IN ('queued', 'failed') AND run_at <= \(bind: now) AND kind IN (\(binds: kinds))
                     ORDER BY run_at, id LIMIT 1\(unsafeRaw: skipLocked)))
                RETURNING \(unsafeRaw: Self.columns)
                """).all()
            return (try rows.first.map(Self.job), reaped)
        }
    }

    /// Marks a claimed job done, in the caller's transaction (together with the handler's effect). False when the
    /// lease was lost meanwhile (another worker took the job over): the caller must roll back.
    public func complete(_ job: Job, worker: String, in sql: any SQLDatabase) async throws -> Bool {
        let now = clock.now().epochMillis
        let rows = try await sql.raw("""
            UPDATE jobs SET status = 'done', locked_by = NULL, locked_until = NULL, last_error = NULL,
                finished_at = \(bind: now), updated_at = \(bind: now)
            WHERE id = \(bind: job.id.rawValue) AND status = 'running' AND locked_by = \(bind: worker) AND attempts = \(bind: Int64(job.attempts))
            RETURNING id
            """).all()
        return !rows.isEmpty
    }

    /// Keeps a long job's claim (a re-screen of a whole market) alive: moves `lockedUntil` to `now + lease` while the
    /// caller still holds the claim. False when the lease was lost (another worker took the job over): stop working.
    public func extendLease(_ job: Job, lease: TimeInterval) async throws -> Bool {
        guard let worker = job.lockedBy else { return false }
        let now = clock.now().epochMillis
        return try await db.transaction { sql in
            !(try await sql.raw("""
                UPDATE jobs SET locked_until = \(bind: now + Int64(lease * 1000)), updated_at = \(bind: now)
                WHERE id = \(bind: job.id.rawValue) AND status = 'running' AND locked_by = \(bind: worker) AND attempts = \(bind: Int64(job.attempts))
                RETURNING id
                """).all()).isEmpty
        }
    }

    /// Records a failed attempt: retried after the backoff, or dead once out of attempts.
    public func fail(_ job: Job, worker: String, error: String) async throws -> Job.Status {
        var rng = SystemRandomNumberGenerator()
        let now = clock.now()
        let dead = job.attempts >= job.maxAttempts
        let next = now.addingTimeInterval(retry.delay(afterAttempt: job.attempts, using: &rng))
        let status: Job.Status = dead ? .dead : .failed
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE jobs SET status = \(bind: status.rawValue), run_at = \(bind: dead ? now.epochMillis : next.epochMillis),
                    last_error = \(bind: String(error.prefix(2000))), locked_by = NULL, locked_until = NULL,
                    finished_at = \(bind: dead ? Optional(now.epochMillis) : nil), updated_at = \(bind: now.epochMillis)
                WHERE id = \(bind: job.id.rawValue) AND status = 'running' AND locked_by = \(bind: worker)
                """).run()
        }
        return status
    }

    public func get(_ id: String) async throws -> Job? {
        try await db.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM jobs WHERE id = \(bind: id)").first().map(Self.job)
        }
    }

    /// Jobs by status (newest first), for the console and the API.
    public func list(status: Job.Status?, kind: String? = nil, limit: Int, after: String? = nil) async throws -> [Job] {
        try await db.read { sql in
            let q = sql.select().columns(Self.columns.components(separatedBy: ", ").map { SQLIdentifier($0) }).from("jobs")
            if let status { q.where("status", .equal, status.rawValue) }
            if let kind { q.where("kind", .equal, kind) }
            if let after { q.where("id", .lessThan, after) }
            return try await q.orderBy("id", .descending).limit(limit).all().map(Self.job)
        }
    }

    /// An operator sends a dead or failed job round again with fresh attempts (audited).
    public func retryNow(_ id: String, by p: Principal) async throws -> Job {
        try p.require(.jobsOperate)
        return try await operatorMove(id, from: [.dead, .failed], to: .queued, action: "job.retried", by: p)
    }

    /// An operator gives up on a queued, failed or dead job (audited); it stays listed as dead with the reason.
    public func discard(_ id: String, by p: Principal) async throws -> Job {
        try p.require(.jobsOperate)
        return try await operatorMove(id, from: [.queued, .failed, .dead], to: .dead, action: "job.discarded", by: p)
    }

    private func operatorMove(_ id: String, from: Set<Job.Status>, to next: Job.Status, action: String, by p: Principal) async throws -> Job {
        try await db.transaction { [audit, clock] sql in
            guard let job = try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM jobs WHERE id = \(bind: id)").first().map(Self.job) else {
                throw CommonError.notFound(entity: "job", id: id)
            }
            guard from.contains(job.status) else {
                throw CommonError.invalidTransition(entity: "job", from: job.status.rawValue, to: next.rawValue)
            }
            let now = clock.now().epochMillis
            let error = next == .dead ? "discarded by \(p.personId)" : job.lastError
            try await sql.raw("""
                UPDATE jobs SET status = \(bind: next.rawValue), attempts = \(bind: next == .queued ? 0 : Int64(job.attempts)),
                    run_at = \(bind: next == .queued ? now : job.runAt.epochMillis), last_error = \(bind: error),
                    finished_at = \(bind: next == .dead ? Optional(now) : nil), updated_at = \(bind: now)
                WHERE id = \(bind: id)
                """).run()
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: nil, action: action, entity: "job", entityId: id,
                                              data: ["kind": job.kind, "from": job.status.rawValue]), in: sql)
            return try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM jobs WHERE id = \(bind: id)").first().map(Self.job)!
        }
    }

    /// Queue depth per kind and status, and the age of the oldest due job per kind (for /metrics and the console).
    public struct KindStats: Sendable, Equatable {
        public var kind: String
        public var counts: [Job.Status: Int]
        /// Seconds the oldest due, unclaimed job has waited (nil when none waits).
        public var oldestWaitingSeconds: Int?
    }

    public func stats() async throws -> [KindStats] {
        let now = clock.now().epochMillis
        return try await db.read { sql in
            var out: [String: KindStats] = [:]
            for row in try await sql.raw("SELECT kind, status, COUNT(*) AS n FROM jobs GROUP BY kind, status").all() {
                let kind = try row.decode(column: "kind", as: String.self)
                guard let status = Job.Status(rawValue: try row.decode(column: "status", as: String.self)) else { continue }
                out[kind, default: KindStats(kind: kind, counts: [:], oldestWaitingSeconds: nil)].counts[status] = try row.decode(column: "n", as: Int.self)
            }
            for row in try await sql.raw("""
                SELECT kind, MIN(run_at) AS oldest FROM jobs WHERE status IN ('queued', 'failed') AND run_at <= \(bind: now) GROUP BY kind
                """).all() {
                let kind = try row.decode(column: "kind", as: String.self)
                let oldest = try row.decode(column: "oldest", as: Int64.self)
                out[kind]?.oldestWaitingSeconds = Int((now - oldest) / 1000)
            }
            return out.values.sorted { $0.kind < $1.kind }
        }
    }

    static func job(_ row: any SQLRow) throws -> Job {
        Job(id: JobID(unchecked: try row.decode(column: "id", as: String.self)),
            kind: try row.decode(column: "kind", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            status: Job.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .dead,
            attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
            maxAttempts: Int(try row.decode(column: "max_attempts", as: Int64.self)),
            runAt: Date(epochMillis: try row.decode(column: "run_at", as: Int64.self)),
            lockedBy: try row.decode(column: "locked_by", as: String?.self),
            lockedUntil: try row.decode(column: "locked_until", as: Int64?.self).map(Date.init(epochMillis:)),
            lastError: try row.decode(column: "last_error", as: String?.self),
            dedupeKey: try row.decode(column: "dedupe_key", as: String?.self),
            createdAt: Date(epochMillis: try row.decode(column: "created_at", as: Int64.self)),
            finishedAt: try row.decode(column: "finished_at", as: Int64?.self).map(Date.init(epochMillis:)))
    }
}
