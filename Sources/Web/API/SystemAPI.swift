import Prometheus
import Logging
import SQLKit
import Foundation
import Hummingbird
import Kernel
import NIOCore
import Parties

/// Health, metrics and the OpenAPI document.
struct SystemAPI {
    let services: AppServices
    let openAPI: ByteBuffer

    func register(on router: Router<AppRequestContext>) {
        router.get("health/live") { _, _ in try JSONIO.response(["status": "ok"]) }
        router.get("health/ready", use: ready)
        router.get("metrics", use: metrics)
        router.get("api/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: openAPI))
        }
    }

    /// Ready when the database answers and no migration is pending.
    func ready(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        do {
            try await services.db.read { try await $0.raw("SELECT 1").run() }
            let pending = try await services.migrator.pending(services.db)
            guard pending.isEmpty else {
                return try JSONIO.response(["status": "migrations-pending", "pending": pending.map { "\($0.module)#\($0.version)" }.joined(separator: ",")],
                                           status: .serviceUnavailable)
            }
            return try JSONIO.response(["status": "ready", "database": services.db.engine.rawValue])
        } catch {
            c.logger.error("readiness check failed", metadata: ["error": "\(error)"])
            return try JSONIO.response(["status": "database-unavailable"], status: .serviceUnavailable)
        }
    }

    /// Prometheus text format: request metrics plus business gauges read at scrape time.
    func metrics(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let system = Principal.system("metrics")
        for status in MerchantStatus.allCases {
            let n = try await services.parties.merchants.count(status: status, by: system)
            services.metrics.setGauge("merchants", help: "Merchants by status", labels: [("status", status.rawValue)], Double(n))
        }
        for status in KYCStatus.allCases where status.isOpen {
            let n = try await services.parties.kyc.count(status: status, by: system)
            services.metrics.setGauge("kyc_submissions_open", help: "Open KYC submissions by status", labels: [("status", status.rawValue)], Double(n))
        }
        try await auditGauges()
        try await jobGauges()
        try await deadlineGauges()
        var buffer: [UInt8] = []
        services.metrics.registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    /// The audit chain's head and count and its last checkpoint (K5): alert on `tradelane_audit_checkpoint_ok == 0` or
    /// an age well past `TRADELANE_AUDIT_CHECKPOINT_INTERVAL`, and compare the head across scrapes (it must only grow).
    func auditGauges() async throws {
        let m = services.metrics
        let last = services.auditAnchor.lastCheckpoint()   // before the head: a checkpoint written meanwhile is covered
        let head = try await AuditLog.head(services.db)
        m.setGauge("audit_entries", help: "Entries in the audit hash chain", Double(head.entries))
        // 52 bits fit a double exactly.
        m.setGauge("audit_head_prefix", help: "First 13 hex digits (52 bits) of the audit chain's head hash, as a number",
                   Double(UInt64(head.hash.prefix(13), radix: 16) ?? 0))
        m.setGauge("audit_checkpoint_entries", help: "Entries covered by the last authentic audit checkpoint (0: none)", Double(last?.count ?? 0))
        m.setGauge("audit_checkpoint_age", unit: "seconds", help: "Seconds since the last authentic audit checkpoint (-1: none)",
                   last.map { services.clock.now().timeIntervalSince($0.time) } ?? -1)
        var ok = false
        if let last {
            ok = try await AuditAnchorCheck.check(last, entries: head.entries, hashAt: { try await AuditLog.hash(of: $0, services.db) }) == nil
        }
        m.setGauge("audit_checkpoint_ok", help: "1 when the last audit checkpoint is authentic and the chain still extends it", ok ? 1 : 0)
    }

    /// Kernel's job queue (issue 11): depth per kind and status, and how long the oldest due job has waited. Alert on
    /// `tradelane_jobs{status="dead"}` rising and on `tradelane_jobs_oldest_waiting_seconds` beyond a few minutes.
    func jobGauges() async throws {
        for s in try await services.jobs.stats() {
            for status in Job.Status.allCases {
                services.metrics.setGauge("jobs", help: "Background jobs by kind and status", labels: [("kind", s.kind), ("status", status.rawValue)],
                                          Double(s.counts[status] ?? 0))
            }
            services.metrics.setGauge("jobs_oldest_waiting", unit: "seconds", help: "Seconds the oldest due job of a kind has waited (0: none)",
                                      labels: [("kind", s.kind)], Double(s.oldestWaitingSeconds ?? 0))
        }
    }

    /// Every module's SLA clocks (issue 11 item 2, K9): open clocks by state, and announcements since the start. Alert
    /// on `tradelane_deadlines{state="breached"}` above zero.
    func deadlineGauges() async throws {
        for (clock, counts) in try await services.deadlines.counts() {
            for state in Deadline.State.allCases {
                services.metrics.setGauge("deadlines", help: "Open SLA clocks by clock and state", labels: [("clock", clock), ("state", state.rawValue)],
                                          Double(counts[state] ?? 0))
            }
        }
        let escalations = try await services.db.read { try await services.deadlines.escalationCounts(in: $0) }
        for clock in services.deadlines.clocks.map(\.id) {
            for level in DeadlineScanner.Level.allCases {
                services.metrics.setGauge("deadline_escalations", help: "SLA clocks announced due soon or breached, since the start",
                                          labels: [("clock", clock), ("level", level.rawValue)], Double(escalations[clock]?[level] ?? 0))
            }
        }
    }
}
