import Foundation
import Kernel
import SQLKit

/// Re-screens live listings when the rules they were judged by change (CMP1, CMP2): a catalogue version per
/// market as a resumable background job, or a handful of listings at once when a certificate lapses (CMP5).
/// Any instance may run jobs: a job is claimed with compare-and-set and resumes from its cursor if its worker dies.
public struct RescreenService: Sendable {
    let db: Database
    let clock: any WallClock
    let screening: ScreeningService
    let takedowns: TakedownService
    let audit: AuditLog
    let jobs = RescreenJobStore()
    let listings = ListingStore()
    let certificates = CertificationStore()
    var checks: ListingScreening { ListingScreening(screening: screening) }
    /// Listings per transaction: large enough to amortise commits, small enough to keep locks and memory short.
    public static let batchSize = 500
    /// A running job whose worker has not reported for this long is taken over.
    public static let staleAfter: TimeInterval = 120

    public init(db: Database, clock: any WallClock, screening: ScreeningService, takedowns: TakedownService) {
        self.db = db; self.clock = clock; self.screening = screening; self.takedowns = takedowns; audit = AuditLog(clock: clock)
    }

    /// Queues one job per market, inside the caller's transaction (the catalogue approval that caused it).
    func enqueue(markets: [Market], catalogueVersion: String, reason: String, in sql: any SQLDatabase) async throws -> [RescreenJob] {
        var out: [RescreenJob] = []
        for m in markets where try await !jobs.pending(market: m, catalogueVersion: catalogueVersion, in: sql) {
            let j = RescreenJob(id: .generate(), market: m, catalogueVersion: catalogueVersion, reason: reason, status: .queued,
                                total: try await listings.countLive(in: m, in: sql), processed: 0, changed: 0, casesOpened: 0, cursor: "",
                                error: nil, createdAt: clock.now())
            try await jobs.insert(j, in: sql)
            out.append(j)
        }
        return out
    }

    /// An operator's "re-screen now" for some markets (or all), e.g. after a bulk import.
    public func enqueue(markets: [String]?, reason: String?, by p: Principal) async throws -> [RescreenJob] {
        try p.require(ListingService.mayModerate(p), "start re-screens")
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
    public func rescreen(listingIds: [String], reason: String) async throws -> Outcome {
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

    /// Claims one queued (or abandoned) job and runs it to the end, a batch per transaction; nil when idle.
    @discardableResult
    public func runNext(batchSize: Int = RescreenService.batchSize,
                        progress: (@Sendable (RescreenJob) -> Void)? = nil) async throws -> RescreenJob? {
        let now = clock.now()
        guard var job = try await db.transaction({ [jobs] sql in
            try await jobs.claim(now: now, staleBefore: now.addingTimeInterval(-Self.staleAfter), in: sql)
        }) else { return nil }
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
            }
        } catch {
            job.status = .failed; job.error = String(describing: error); job.finishedAt = clock.now()
            let failed = job
            try? await db.transaction { [jobs] sql in try await jobs.update(failed, in: sql) }
            throw error
        }
        return job
    }

    /// Runs jobs until none is left.
    public func drain(progress: (@Sendable (RescreenJob) -> Void)? = nil) async throws -> [RescreenJob] {
        var out: [RescreenJob] = []
        while let j = try await runNext(progress: progress) { out.append(j) }
        return out
    }

    public func list(limit: Int? = nil, by p: Principal) async throws -> [RescreenJob] {
        try p.require(p.merchantId == nil, "see re-screen jobs")
        return try await db.read { [jobs] in try await jobs.recent(limit: min(max(limit ?? 20, 1), 200), in: $0) }
    }

    public func get(_ id: String, by p: Principal) async throws -> RescreenJob {
        try p.require(p.merchantId == nil, "see re-screen jobs")
        guard let j = try await db.read({ [jobs] in try await jobs.find(id, in: $0) }) else {
            throw CommonError.notFound(entity: "re-screen job", id: id)
        }
        return j
    }
}
