import Foundation
import Kernel
import SQLKit

/// Re-screens live listings when the rules they were judged by change (CMP1, CMP2): a catalogue version per
/// market as a resumable background job, or a handful of listings at once when a certificate lapses (CMP5).
/// The work runs on Kernel's job queue (issue 11): a `rescreen_jobs` row is the progress the console shows, a Kernel
/// job of kind `compliance.rescreen` drives it; any instance may run it, and a killed worker's job resumes from its
/// cursor once its lease runs out.
public struct RescreenService: Sendable {
    let db: Database
    let clock: any WallClock
    let screening: ScreeningService
    let takedowns: TakedownService
    let queue: JobQueue
    let audit: AuditLog
    let jobs = RescreenJobStore()
    let listings = ListingStore()
    let certificates = CertificationStore()
    var checks: ListingScreening { ListingScreening(screening: screening) }
    /// Listings per transaction: large enough to amortise commits, small enough to keep locks and memory short.
    public static let batchSize = 500
    /// How long a worker holds a re-screen without reporting progress; renewed after every batch.
    public static let lease: TimeInterval = 120

    public init(db: Database, clock: any WallClock, screening: ScreeningService, takedowns: TakedownService, queue: JobQueue? = nil) {
        self.db = db; self.clock = clock; self.screening = screening; self.takedowns = takedowns
        self.queue = queue ?? JobQueue(db: db, clock: clock)
        audit = AuditLog(clock: clock)
    }

    /// What a `compliance.rescreen` Kernel job carries.
    struct Payload: Codable { var rescreenJob: String }

    /// Queues one job per market, inside the caller's transaction (the catalogue approval that caused it).
    func enqueue(markets: [Market], catalogueVersion: String, reason: String, in sql: any SQLDatabase) async throws -> [RescreenJob] {
        var out: [RescreenJob] = []
        for m in markets where try await !jobs.pending(market: m, catalogueVersion: catalogueVersion, in: sql) {
            let j = RescreenJob(id: .generate(), market: m, catalogueVersion: catalogueVersion, reason: reason, status: .queued,
                                total: try await listings.countLive(in: m, in: sql), processed: 0, changed: 0, casesOpened: 0, cursor: "",
                                error: nil, createdAt: clock.now())
            try await jobs.insert(j, in: sql)
            // Same transaction: the catalogue approval, the progress row and the work to do commit together.
            try await queue.enqueue(kind: ComplianceJobs.rescreenKind, Payload(rescreenJob: j.id.rawValue), maxAttempts: 5,
                                    dedupeKey: "\(ComplianceJobs.rescreenKind):\(j.id.rawValue)", in: sql)
            out.append(j)
        }
        return out
    }

    /// An operator's "re-screen now" for some markets (or all), e.g. after a bulk import.
    public func enqueue(markets: [String]?, reason: String?, by p: Principal) async throws -> [RescreenJob] {
        try p.require(.rescreensStart)
        var v = Validator()
        var ms: [Market] = []
        for (i, m) in (markets ?? []).enumerated() {
            if let market = Market(destination: m) { ms.append(market) } else {
                v.fail("markets[\(i)]", "unknown-market", en: "Unknown market \(m).", zh: "未知市场 \(m)。")
            }
        }
        let why = v.text(reason, field: "reason", max: 500)
        try v.finish()
        let chosen = ms.isEmpty ? Market.destinations : ms
        let version = screening.installedVersion
        return try await db.transaction { [audit] sql in
            let out = try await self.enqueue(markets: chosen, catalogueVersion: version, reason: why!, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: nil, action: "rescreen.queued", entity: "rescreen-job",
                                              entityId: out.map(\.id.rawValue).joined(separator: ","),
                                              data: ["markets": chosen.map(\.rawValue).joined(separator: ","), "reason": why!]), in: sql)
            return out
        }
    }

    public struct Outcome: Sendable, Equatable {
        public var processed = 0
        public var changed = 0
        public var casesOpened = 0
    }

    /// Applies the current rules to one listing inside `sql`: stores changed findings, opens a takedown case for a
    /// live listing with a prohibited or infringing finding, and holds other live listings that no longer pass.
    func apply(_ listing: Listing, reason: String, now: Date, in sql: any SQLDatabase) async throws -> (changed: Bool, caseOpened: Bool) {
        var l = listing
        let from = l.status
        let day = LocalDate(now, in: ListingScreening.timeZone)
        let types = try await checks.validCertificateTypes(l.content.certifications, merchantId: l.merchantId, day: day, in: sql)
        let o = checks.rescreen(l, certificateTypes: types)
        let changed = o.findings != l.findings || o.verdict != l.verdict
        guard changed || o.catalogueVersion != l.catalogueVersion else { return (false, false) }
        l.findings = o.findings; l.verdict = o.verdict; l.catalogueVersion = o.catalogueVersion; l.screenedAt = now
        var caseOpened = false
        let triggering = TakedownCase.triggering(o.findings)
        if l.status == .active && !triggering.isEmpty {
            // Stays on sale until an officer decides, within 24 h.
            caseOpened = try await takedowns.open(for: l, findings: triggering, trigger: .rescreen, actor: "system", reason: reason, in: sql) != nil
        } else if l.status == .active && o.verdict != .pass {
            l.status = .needsReview; l.statusReason = reason; l.updatedAt = now
        }
        try await listings.saveScreening(l, in: sql)
        if changed {
            try await audit.append(AuditEvent(actor: "system", merchantId: l.merchantId, action: "listing.rescreened", entity: "listing",
                                              entityId: l.id.rawValue,
                                              data: ["verdict": o.verdict.rawValue, "status": l.status.rawValue, "reason": reason,
                                                     "catalogue": o.catalogueVersion]), in: sql)
            try await ComplianceEvents.listingChanged(l, from: from, screened: true, at: now, events: takedowns.events, in: sql)
        }
        return (changed, caseOpened)
    }

    /// Re-screens specific listings now (certificate expired or revoked).
    public func rescreen(listingIds: [ListingID], reason: String) async throws -> Outcome {
        var out = Outcome()
        for chunk in stride(from: 0, to: listingIds.count, by: Self.batchSize).map({ Array(listingIds[$0..<min($0 + Self.batchSize, listingIds.count)]) }) {
            let r = try await db.transaction { [listings] sql in
                var o = Outcome()
                let now = clock.now()
                for id in chunk {
                    guard let l = try await listings.find(id, scope: .operatorWide, in: sql) else { continue }
                    let (changed, opened) = try await self.apply(l, reason: reason, now: now, in: sql)
                    o.processed += 1
                    if changed { o.changed += 1 }
                    if opened { o.casesOpened += 1 }
                }
                return o
            }
            out.processed += r.processed; out.changed += r.changed; out.casesOpened += r.casesOpened
        }
        return out
    }

    /// Runs re-screen job `id` from its cursor to the end, a batch per transaction. With the Kernel job that drives
    /// it, the claim is renewed after every batch and the run stops (`JobLeaseLost`) when another worker took it over.
    @discardableResult
    func run(_ id: String, claim: Job?, batchSize: Int = RescreenService.batchSize,
             progress: (@Sendable (RescreenJob) -> Void)? = nil) async throws -> RescreenJob? {
        let started = clock.now()
        guard var job = try await db.transaction({ [jobs] sql -> RescreenJob? in
            guard var j = try await jobs.find(id, in: sql) else { return nil }
            guard j.status != .done else { return j }
            j.status = .running; j.error = nil; j.heartbeatAt = started
            if j.startedAt == nil { j.startedAt = started }
            try await jobs.update(j, in: sql)
            return j
        }) else { return nil }
        guard job.status != .done else { return job }
        do {
            while true {
                let current = job
                let (next, done) = try await db.transaction { [jobs, listings] sql -> (RescreenJob, Bool) in
                    var j = current
                    // Offered in several markets, a listing comes up in each market's job: screen it once per catalogue
                    // (only while the job's catalogue is the installed one; an older job re-screens with the current rules).
                    let installed = j.catalogueVersion == self.screening.installedVersion ? j.catalogueVersion : nil
                    let batch = try await listings.live(in: j.market, after: j.cursor, limit: batchSize, unlessScreenedWith: installed, in: sql)
                    let now = clock.now()
                    for (_, listing) in batch {
                        guard let l = listing else {
                            j.processed += 1
                            continue
                        }
                        let (changed, opened) = try await self.apply(l, reason: "catalogue \(j.catalogueVersion): \(j.reason)", now: now, in: sql)
                        j.processed += 1
                        if changed { j.changed += 1 }
                        if opened { j.casesOpened += 1 }
                    }
                    j.total = max(j.total, j.processed)
                    if let last = batch.last { j.cursor = last.id }
                    j.heartbeatAt = now
                    let done = batch.count < batchSize
                    if done { j.status = .done; j.finishedAt = now; j.total = j.processed }
                    try await jobs.update(j, in: sql)
                    return (j, done)
                }
                job = next
                progress?(job)
                if done { break }
                if let claim, try await !queue.extendLease(claim, lease: Self.lease) { throw JobLeaseLost() }
            }
        } catch is JobLeaseLost {
            throw JobLeaseLost()
        } catch {
            // Shown in the console; the Kernel job retries with backoff (then dead-letters) and resumes from the cursor.
            job.status = .failed; job.error = String(describing: error); job.finishedAt = clock.now()
            let failed = job
            try? await db.transaction { [jobs] sql in try await jobs.update(failed, in: sql) }
            throw error
        }
        return job
    }

    /// The Kernel job handler that drives re-screens (outside a transaction: each batch commits on its own).
    public func handler(batchSize: Int = RescreenService.batchSize, progress: (@Sendable (RescreenJob) -> Void)? = nil) -> JobHandler {
        JobHandler(kind: ComplianceJobs.rescreenKind, mode: .outsideTransaction, lease: Self.lease) { job, _ in
            _ = try await self.run(try job.decode(Payload.self).rescreenJob, claim: job, batchSize: batchSize, progress: progress)
        }
    }

    /// Runs the next due re-screen in this task (the CLI, the demo loader, tests); nil when none is due. A failure is
    /// recorded on the Kernel job (retried later) and rethrown.
    @discardableResult
    public func runNext(batchSize: Int = RescreenService.batchSize,
                        progress: (@Sendable (RescreenJob) -> Void)? = nil) async throws -> RescreenJob? {
        let runner = JobRunner(queue: queue, worker: "inline:\(UUID().uuidString.prefix(8))", handlers: [handler(batchSize: batchSize, progress: progress)])
        guard let outcome = try await runner.runNext() else { return nil }
        switch outcome {
        case .done(let id), .leaseLost(let id):
            guard let kernelJob = try await queue.get(id.rawValue) else { return nil }
            return try await db.read { [jobs] sql in try await jobs.find(try kernelJob.decode(Payload.self).rescreenJob, in: sql) }
        case .failed(let id, _):
            let error = try await queue.get(id.rawValue)?.lastError ?? "unknown error"
            throw RescreenFailed(job: id.rawValue, error: error)
        }
    }

    /// Runs jobs until none is left.
    public func drain(progress: (@Sendable (RescreenJob) -> Void)? = nil) async throws -> [RescreenJob] {
        var out: [RescreenJob] = []
        while let j = try await runNext(progress: progress) { out.append(j) }
        return out
    }

    public func list(limit: Int? = nil, by p: Principal) async throws -> [RescreenJob] {
        try await page(limit: limit, after: nil, by: p).items
    }

    /// Newest first, one page (`after`: the `next` of the previous page).
    public func page(limit: Int?, after: String?, by p: Principal) async throws -> Page<RescreenJob> {
        try p.require(.rescreensRead)
        let n = min(max(limit ?? 20, 1), 200)
        let cursor = try after.map { try TimeIDCursor(token: $0) }
        let rows = try await db.read { [jobs] in try await jobs.recent(limit: n + 1, after: cursor, in: $0) }
        return Page.of(rows, limit: n) { TimeIDCursor(time: $0.createdAt.epochMillis, id: $0.id.rawValue).token }
    }

    public func get(_ id: String, by p: Principal) async throws -> RescreenJob {
        try p.require(.rescreensRead)
        guard let j = try await db.read({ [jobs] in try await jobs.find(id, in: $0) }) else {
            throw CommonError.notFound(entity: "re-screen job", id: id)
        }
        return j
    }
}

/// A re-screen attempt failed; its Kernel job will retry it (`error` is the handler's).
public struct RescreenFailed: Error, CustomStringConvertible {
    public let job: String
    public let error: String
    public var description: String { "re-screen job \(job) failed: \(error)" }
}
