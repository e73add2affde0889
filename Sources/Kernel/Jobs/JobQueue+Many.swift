import Foundation
import SQLKit

extension JobQueue {
    /// One job of a bulk enqueue.
    public struct NewJob: Sendable {
        public var payload: String
        public var dedupeKey: String?
        public init(payload: String = "{}", dedupeKey: String? = nil) { self.payload = payload; self.dedupeKey = dedupeKey }
    }

    /// Adds many jobs of one kind in the caller's transaction, a few hundred rows per statement (one round trip each
    /// instead of one per job). Jobs whose dedupe key is already present are skipped; returns how many were added.
    @discardableResult
    public func enqueue(kind: String, _ jobs: [NewJob], runAt: Date? = nil, maxAttempts: Int = 8, in sql: any SQLDatabase) async throws -> Int {
        let now = clock.now().epochMillis
        let due = runAt?.epochMillis ?? now
        // 10 binds a row: 200 rows stay far below either engine's limit on bound parameters.
        let rowsPerStatement = 200
        var added = 0
        var start = 0
        while start < jobs.count {
            let part = jobs[start..<min(start + rowsPerStatement, jobs.count)]
            let values: [SQLQueryString] = part.map { job in
                """
                (\(bind: JobID.generate().rawValue), \(bind: kind), \(bind: job.payload), 'queued', 0, \(bind: Int64(max(1, maxAttempts))),
                 \(bind: due), \(bind: job.dedupeKey), \(bind: now), \(bind: now))
                """
            }
            let statement: SQLQueryString = "INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, run_at, dedupe_key, created_at, updated_at) VALUES "
                + values.joined(separator: ", ") + " ON CONFLICT DO NOTHING RETURNING id"
            added += try await sql.raw(statement).all().count
            start += rowsPerStatement
        }
        return added
    }
}
