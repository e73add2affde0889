import Foundation
import SQLKit

/// `system.probe`: a job whose only effect is one row in `job_probes`, written in the transaction that completes the
/// job. Operators enqueue a batch (`tradelane jobs probe`) and read it back (`tradelane jobs probe-status`) to check
/// that every instance's worker is alive and that each job's effect happened exactly once: the row's primary key is
/// the job id, so a second run of a job would fail its insert (and show as a retried or dead job) instead of hiding.
/// The two-instance SIGKILL test (Tests/reliability/test_jobs_two_instances.py) uses the same tool.
public struct SystemProbe: Sendable {
    public static let kind = "system.probe"
    /// A probe takes milliseconds: a killed worker's probes come back after 20 s, not the default 5 minutes.
    public static let lease: TimeInterval = 20
    public static let maxCount = 100_000
    public static let maxBatchName = 64

    public let queue: JobQueue
    /// Jobs per enqueue transaction.
    public let perTransaction: Int

    public init(queue: JobQueue, perTransaction: Int = 1_000) {
        self.queue = queue; self.perTransaction = max(1, perTransaction)
    }

    struct Payload: Codable { let batch: String }

    /// The handler every instance registers.
    public var handler: JobHandler {
        JobHandler(kind: Self.kind, lease: Self.lease) { [clock = queue.clock] job, sql in
            let batch = try job.decode(Payload.self).batch
            try await sql.raw("""
                INSERT INTO job_probes (job_id, batch, worker, done_at)
                VALUES (\(bind: job.id.rawValue), \(bind: batch), \(bind: job.lockedBy ?? "?"), \(bind: clock.now().epochMillis))
                """).run()
        }
    }

    /// Enqueues `count` probes in `batch` (default: a new name), a transaction per thousand. Enqueueing the same batch
    /// again adds only the numbers not yet there (each probe has a dedupe key), so a re-run after an error is safe.
    public func enqueue(count: Int, batch: String? = nil) async throws -> (batch: String, added: Int) {
        var v = Validator()
        if !(1...Self.maxCount).contains(count) {
            v.fail("count", "out-of-range", en: "count must be between 1 and \(Self.maxCount).", zh: "count 必须在 1 到 \(Self.maxCount) 之间。")
        }
        let name = batch ?? "probe-" + RandomToken.make(bytes: 6).lowercased().filter { $0.isLetter || $0.isNumber }
        if !Self.isValidBatch(name) {
            v.fail("batch", "invalid", en: "batch must be 1 to \(Self.maxBatchName) letters, digits, '.', '_' or '-'.",
                   zh: "batch 必须是 1 到 \(Self.maxBatchName) 个字母、数字、'.'、'_' 或 '-'。")
        }
        try v.finish()
        let payload = String(decoding: try JSONEncoder().encode(Payload(batch: name)), as: UTF8.self)
        var added = 0
        var start = 0
        while start < count {
            let numbers = start..<min(start + perTransaction, count)
            let jobs = numbers.map { JobQueue.NewJob(payload: payload, dedupeKey: "\(Self.kind):\(name):\($0)") }
            added += try await queue.db.transaction { [queue] sql in try await queue.enqueue(kind: Self.kind, jobs, in: sql) }
            start = numbers.upperBound
        }
        // Thousands of new rows before autovacuum notices: refresh the planner's statistics now, or claims keep
        // planning for an empty queue (a sort of every due job instead of one step along `jobs_claimable`).
        if queue.db.engine == .postgres && added >= 1_000 { try await queue.db.read { try await $0.raw("ANALYZE jobs").run() } }
        return (name, added)
    }

    static func isValidBatch(_ name: String) -> Bool {
        (1...maxBatchName).contains(name.count)
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }

    /// Where a batch stands. `duplicates` is effects minus distinct jobs with an effect (0 unless the ledger's key was
    /// dropped); `retried` counts jobs that needed more than one attempt (a killed worker's leases, failures).
    public struct Status: Sendable, Codable, Equatable {
        public var batch: String
        public var enqueued = 0
        public var done = 0
        /// Queued, running or waiting for a retry.
        public var pending = 0
        public var running = 0
        public var dead = 0
        public var retried = 0
        public var effects = 0
        public var duplicates = 0
        /// Effects per worker (`host:pid:id` of the instance that ran them).
        public var workers: [String: Int] = [:]
    }

    public func status(batch: String) async throws -> Status {
        var v = Validator()
        if !Self.isValidBatch(batch) { v.fail("batch", "invalid", en: "batch is not a probe batch name.", zh: "batch 不是有效的探测批次名。") }
        try v.finish()
        let payload = String(decoding: try JSONEncoder().encode(Payload(batch: batch)), as: UTF8.self)
        // One snapshot for every count: a job's completion and its effect commit together, so done == effects at any
        // moment unless something is wrong (separate reads would race the workers).
        return try await queue.db.transaction { sql in
            if sql.engine == .postgres { try await sql.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").run() }
            var s = Status(batch: batch)
            for row in try await sql.raw("""
                SELECT status, COUNT(*) AS n, SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) AS retried
                FROM jobs WHERE kind = \(bind: Self.kind) AND payload = \(bind: payload) GROUP BY status
                """).all() {
                let n = try row.decode(column: "n", as: Int.self)
                s.enqueued += n
                s.retried += try row.decode(column: "retried", as: Int?.self) ?? 0
                switch Job.Status(rawValue: try row.decode(column: "status", as: String.self)) {
                case .done: s.done += n
                case .dead: s.dead += n
                case .running: s.running += n; s.pending += n
                case .queued, .failed, nil: s.pending += n
                }
            }
            for row in try await sql.raw("SELECT worker, COUNT(*) AS n FROM job_probes WHERE batch = \(bind: batch) GROUP BY worker").all() {
                s.workers[try row.decode(column: "worker", as: String.self)] = try row.decode(column: "n", as: Int.self)
            }
            if let row = try await sql.raw("""
                SELECT COUNT(*) AS n, COUNT(DISTINCT job_id) AS d FROM job_probes WHERE batch = \(bind: batch)
                """).first() {
                s.effects = try row.decode(column: "n", as: Int.self)
                s.duplicates = s.effects - (try row.decode(column: "d", as: Int.self))
            }
            return s
        }
    }
}
