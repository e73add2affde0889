import Foundation
import SQLKit

/// The one SLA scanner (DESIGN "Workers, events, integrations"; issue 11 item 2): asks every module's
/// `DeadlineSource` for clocks that are due soon or past due, and announces each once — an audit entry, a
/// notification to the owning role, and for a breach the module's own consequence — recording it in
/// `deadline_escalations` in the same transaction, so however many instances scan, nothing is announced twice.
public struct DeadlineScanner: Sendable {
    public static let job = RecurringJob(kind: "kernel.deadline-scan", every: 60)
    /// Clocks read per source per scan: a backlog larger than this is worked off over the next scans.
    public static let scanLimit = 2_000

    public let sources: [any DeadlineSource]
    let db: Database
    let clock: any WallClock
    let notifier: (any Notifier)?
    let audit: AuditLog

    public init(sources: [any DeadlineSource], db: Database, clock: any WallClock, notifier: (any Notifier)?) {
        self.sources = sources; self.db = db; self.clock = clock; self.notifier = notifier; audit = AuditLog(clock: clock)
    }

    public var clocks: [DeadlineClock] { sources.flatMap(\.clocks) }

    public enum Level: String, Sendable, Codable, CaseIterable { case dueSoon = "due-soon", breached }

    public struct Escalation: Sendable, Equatable {
        public let deadline: Deadline
        public let level: Level
    }

    /// One scan inside `sql` (the job's transaction); returns what it announced.
    @discardableResult
    public func scan(in sql: any SQLDatabase) async throws -> [Escalation] {
        let now = clock.now()
        var out: [Escalation] = []
        for source in sources {
            let horizon = now.addingTimeInterval(source.clocks.map(\.warnBefore).max() ?? 0)
            // Page through everything due by the horizon: breached clocks stay open until handled, so the backlog of
            // already-announced ones must not hide new ones behind a limit.
            var cursor: DeadlineQuery.Cursor?
            while true {
                let due = try await source.open(DeadlineQuery(scope: .operatorWide, dueBefore: horizon, after: cursor, limit: Self.scanLimit), in: sql)
                out += try await announce(due, from: source, at: now, in: sql)
                guard due.count == Self.scanLimit, let last = due.last else { break }
                cursor = last.cursor
            }
        }
        return out
    }

    private func announce(_ due: [Deadline], from source: any DeadlineSource, at now: Date, in sql: any SQLDatabase) async throws -> [Escalation] {
        guard !due.isEmpty else { return [] }
        let done = try await announced(keys: due.map(\.key), in: sql)
        var out: [Escalation] = []
        for d in due {
            let level: Level
            switch d.state(at: now) {
            case .running: continue
            case .dueSoon: level = .dueSoon
            case .breached: level = .breached
            }
            // A clock found already past due is announced as breached only; its due-soon moment has passed.
            guard !done.contains("\(level.rawValue)|\(d.key)") else { continue }
            guard try await record(d, level: level, at: now, in: sql) else { continue }
            if level == .breached { try await source.breached(d, at: now, in: sql) }
            try await audit.append(AuditEvent(actor: "system:deadlines", merchantId: d.merchantId,
                                              action: "deadline.\(level.rawValue)", entity: d.entity, entityId: d.entityId,
                                              data: ["clock": d.clock.id, "dueAt": ISO8601DateFormatter().string(from: d.dueAt)]), in: sql)
            try await notifier?.notify(NotificationRequest(
                recipients: [.role(d.clock.owner, merchantId: d.clock.owner.isOperator ? nil : d.merchantId)],
                template: "deadline.\(level.rawValue)",
                params: ["clock": d.clock.label.en, "clock@zh": d.clock.label.zh, "clockId": d.clock.id, "subject": d.subject,
                         "entity": d.entity, "entityId": d.entityId, "dueAt": ISO8601DateFormatter().string(from: d.dueAt),
                         "link": d.link ?? ""],
                merchantId: d.merchantId, entity: d.entity, entityId: d.entityId, dedupeKey: "deadline.\(level.rawValue):\(d.key)"), in: sql)
            out.append(Escalation(deadline: d, level: level))
        }
        return out
    }

    /// How many clocks were announced per clock and level since the start (for `/metrics` and the KPIs).
    public func escalationCounts(in sql: any SQLDatabase) async throws -> [String: [Level: Int]] {
        var out: [String: [Level: Int]] = [:]
        for row in try await sql.raw("SELECT clock, level, COUNT(*) AS n FROM deadline_escalations GROUP BY clock, level").all() {
            guard let level = Level(rawValue: try row.decode(column: "level", as: String.self)) else { continue }
            out[try row.decode(column: "clock", as: String.self), default: [:]][level] = try row.decode(column: "n", as: Int.self)
        }
        return out
    }

    private func announced(keys: [String], in sql: any SQLDatabase) async throws -> Set<String> {
        var out = Set<String>()
        for chunk in stride(from: 0, to: keys.count, by: 500).map({ Array(keys[$0..<min($0 + 500, keys.count)]) }) {
            for row in try await sql.raw("SELECT level, clock_key FROM deadline_escalations WHERE clock_key IN (\(binds: chunk))").all() {
                out.insert("\(try row.decode(column: "level", as: String.self))|\(try row.decode(column: "clock_key", as: String.self))")
            }
        }
        return out
    }

    /// Claims the announcement; false when another scan recorded it first (its transaction committed meanwhile).
    private func record(_ d: Deadline, level: Level, at now: Date, in sql: any SQLDatabase) async throws -> Bool {
        !(try await sql.raw("""
            INSERT INTO deadline_escalations (clock_key, level, clock, entity, entity_id, merchant_id, due_at, escalated_at)
            VALUES (\(bind: d.key), \(bind: level.rawValue), \(bind: d.clock.id), \(bind: d.entity), \(bind: d.entityId),
                    \(bind: d.merchantId), \(bind: d.dueAt.epochMillis), \(bind: now.epochMillis))
            ON CONFLICT DO NOTHING RETURNING clock_key
            """).all()).isEmpty
    }
}

extension DeadlineScanner {
    /// The recurring job's handler: the scan commits with the job, so a killed worker announces nothing twice.
    public var handler: JobHandler {
        JobHandler(kind: Self.job.kind, lease: 120) { _, sql in _ = try await scan(in: sql) }
    }
}
