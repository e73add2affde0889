import Foundation
import SQLKit

/// Every module's personal data behind one door (PRV2, PRV3): export and erasure for a data subject across all
/// modules in one transaction, and the daily retention sweep. The privacy workflow (requests, their 15-day clock,
/// identity checks) builds on this; it never reads another module's tables itself.
public struct PersonalDataRegistry: Sendable {
    public let providers: [any PersonalDataProvider]
    let db: Database
    let clock: any WallClock
    let audit: AuditLog
    /// Records one sweep anonymises per provider; the next run continues (bounded work per job).
    public static let retentionBatch = 500
    public static let job = RecurringJob(kind: "kernel.personal-data-retention", every: 86_400)

    public init(providers: [any PersonalDataProvider], db: Database, clock: any WallClock) {
        self.providers = providers; self.db = db; self.clock = clock; self.audit = AuditLog(clock: clock)
    }

    static func require(_ subject: DataSubject) throws {
        if subject.isEmpty {
            throw ValidationError(field: "email", code: "required", en: "Name the data subject by e-mail address or user id.",
                                  zh: "请以电子邮箱或用户编号指明数据主体。")
        }
    }

    /// What every module holds about the subject, module by module, in one consistent read.
    public func export(_ subject: DataSubject) async throws -> [PersonalDataRecord] {
        try Self.require(subject)
        return try await db.read { [providers] sql in
            var out: [PersonalDataRecord] = []
            for p in providers { out += try await p.export(subject, in: sql) }
            return out
        }
    }

    /// Erases across all modules or none (one transaction), and audits what was done without any clear-text data.
    public func erase(_ subject: DataSubject, by actor: String) async throws -> ErasureOutcome {
        try Self.require(subject)
        let now = clock.now()
        return try await db.transaction { [providers, audit] sql in
            var outcome = ErasureOutcome()
            for p in providers { outcome = outcome + (try await p.erase(subject, at: now, in: sql)) }
            try await audit.append(AuditEvent(actor: actor, merchantId: nil, action: "personal-data.erased", entity: "data-subject",
                                              entityId: outcome.erased.first ?? "none",
                                              data: ["erased": outcome.erased.joined(separator: ","),
                                                     "kept": outcome.kept.map { "\($0.entity):\($0.entityId)" }.joined(separator: ",")]),
                                   in: sql)
            return outcome
        }
    }

    /// One retention sweep: each module anonymises what is past its retention date.
    public func enforceRetention(in sql: any SQLDatabase) async throws -> Int {
        let now = clock.now()
        var total = 0
        for p in providers { total += try await p.enforceRetention(at: now, limit: Self.retentionBatch, in: sql) }
        if total > 0 {
            try await audit.append(AuditEvent(actor: "system:retention", merchantId: nil, action: "personal-data.retention",
                                              entity: "retention", entityId: now.rfc3339, data: ["anonymised": String(total)]), in: sql)
        }
        return total
    }

    public var handler: JobHandler {
        JobHandler(kind: Self.job.kind) { _, sql in _ = try await self.enforceRetention(in: sql) }
    }
}
