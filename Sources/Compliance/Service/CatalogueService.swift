import Foundation
import Kernel
import SQLKit
import Synchronization

/// The rule catalogue's life cycle (CMP1): numbered versions in the database, edits proposed by one officer and
/// approved by another (four-eyes), CSV/YAML import and export, effective dates, and a re-screen of every live
/// listing in the markets an approved change touches.
public final class CatalogueService: Sendable {
    let db: Database
    let clock: any WallClock
    let screening: ScreeningService
    let rescreens: RescreenService
    let regulations: RegulationService
    let audit: AuditLog
    let store = CatalogueStore()
    /// What this instance installed: the stored version number and the day its effective dates were applied for.
    struct Loaded { var number = 0; var day = "" }
    let loaded = Mutex(Loaded())
    static let timeZone = TimeZone(identifier: "Asia/Shanghai")!

    public init(db: Database, clock: any WallClock, screening: ScreeningService, rescreens: RescreenService, regulations: RegulationService) {
        self.db = db; self.clock = clock; self.screening = screening; self.rescreens = rescreens; self.regulations = regulations
        audit = AuditLog(clock: clock)
    }

    public enum Format: String, Sendable, CaseIterable { case csv, yaml }

    var today: String { LocalDate(clock.now(), in: Self.timeZone).description }

    /// Stores the bundled catalogue as version 1 on a fresh database, then installs the latest version.
    public func bootstrap() async throws {
        try await db.transaction { [store, audit, clock] sql in
            guard try await store.latestNumber(in: sql) == 0 else {
                // A database from before the rule history: derive it once from the stored versions.
                if try await store.historyIsEmpty(in: sql) { try await Self.backfillHistory(store, in: sql) }
                return
            }
            let c = try CatalogueCSV.bundled()
            try await store.insertVersion(1, catalogue: c, changeId: nil, summary: "Bundled default catalogue (\(c.entries.count) rules)",
                                          by: "system", at: clock.now(), in: sql)
            try await store.insertHistory(version: 1, diff: .between(Catalogue(entries: []), c), changeId: nil, by: "system", at: clock.now(), in: sql)
            try await audit.append(AuditEvent(actor: "system", merchantId: nil, action: "catalogue.bootstrapped", entity: "catalogue",
                                              entityId: "1", data: ["rules": String(c.entries.count), "hash": c.version]), in: sql)
        }
        _ = try await sync()
    }

    /// Installs the latest stored version if another instance approved one, or if the day changed and rules with a
    /// later effective date came into force; in the latter case queues a re-screen of the markets they touch.
    /// Returns true when something new was installed.
    @discardableResult
    public func sync() async throws -> Bool {
        let day = today
        guard let row = try await db.read({ [store] in try await store.latest(in: $0) }) else { return false }
        let number = Int(row.version)
        let before = loaded.withLock { $0 }
        guard number != before.number || day != before.day else { return false }
        let full = try CatalogueStore.catalogue(row)
        let effective = full.effective(on: day)
        if number == before.number, before.day != "" {
            // Same version, new day: a rule may have come into force.
            let previous = full.effective(on: before.day)
            let markets = Catalogue.affectedMarkets(from: previous, to: effective)
            if !markets.isEmpty {
                try await db.transaction { [rescreens] sql in
                    _ = try await rescreens.enqueue(markets: markets, catalogueVersion: effective.version,
                                                    reason: "rules effective \(day) came into force", in: sql)
                }
            }
        }
        screening.install(effective)
        loaded.withLock { $0 = Loaded(number: number, day: day) }
        return true
    }

    static func mayEdit(_ p: Principal) -> Bool { p.can(.catalogueEdit) }

    public struct VersionInfo: Sendable {
        public let version: Int
        public let hash: String
        public let changeId: String?
        public let summary: String
        public let createdBy: String
        public let createdAt: Date
    }

    public func versions(limit: Int? = nil, by p: Principal) async throws -> [VersionInfo] {
        try await versionPage(limit: limit, after: nil, by: p).items
    }

    /// Newest first, one page (`after`: the `next` of the previous page, a version number).
    public func versionPage(limit: Int?, after: String?, by p: Principal) async throws -> Page<VersionInfo> {
        try p.require(.catalogueRead)
        let n = min(max(limit ?? 50, 1), 500)
        let before = try ValidationError.positiveCursor(after).map { Int($0) }
        let rows = try await db.read { [store, before] in try await store.versions(limit: n + 1, before: before, in: $0) }
            .map { VersionInfo(version: $0.0, hash: $0.1, changeId: $0.2, summary: $0.3, createdBy: $0.4, createdAt: $0.5) }
        return Page.of(rows, limit: n) { String($0.version) }
    }

    /// The latest approved catalogue (all rules, including those not yet in force) and its number.
    public func current() async throws -> (Int, Catalogue) {
        guard let row = try await db.read({ [store] in try await store.latest(in: $0) }) else { return (0, try screening.currentCatalogue()) }
        return (Int(row.version), try CatalogueStore.catalogue(row))
    }

    public func export(format: Format, market: Market? = nil) async throws -> String {
        let (_, c) = try await current()
        let entries = market.map { m in c.entries.filter { $0.market == m } } ?? c.entries
        switch format {
        case .csv: return CatalogueCSV.export(entries)
        case .yaml: return try CatalogueYAML.export(entries)
        }
    }

    /// Proposes edits; they change nothing until a second officer approves.
    public func propose(ops: [CatalogueOp], summary: String?, regulationIds: [String] = [], by p: Principal) async throws -> CatalogueChange {
        try p.require(.catalogueEdit)
        var v = Validator()
        let why = v.text(summary, field: "summary", max: 500)
        if ops.isEmpty { v.fail("ops", "required", en: "A change needs at least one operation.", zh: "变更至少包含一项操作。") }
        if ops.count > 20_000 { v.fail("ops", "too-many", en: "At most 20,000 operations per change.", zh: "每次变更最多 20,000 项操作。") }
        if Set(ops.map(\.ruleId)).count != ops.count {
            v.fail("ops", "duplicate-rule", en: "Each rule may appear once per change.", zh: "同一规则在一次变更中只能出现一次。")
        }
        try v.finish()
        let (_, c) = try await current()
        _ = try c.applying(ops)
        return try await db.transaction { [store, audit, regulations, clock] sql in
            for (i, id) in regulationIds.enumerated() where try await regulations.store.find(id, in: sql) == nil {
                throw ValidationError(field: "regulationIds[\(i)]", code: "unknown-regulation", en: "No regulation \(id).", zh: "没有法规 \(id)。")
            }
            let change = CatalogueChange(id: .generate(), status: .pending, summary: why!, ops: ops, regulationIds: regulationIds,
                                         proposedBy: p.personId, proposedAt: clock.now())
            try await store.insertChange(change, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: nil, action: "catalogue.proposed", entity: "catalogue-change",
                                              entityId: change.id.rawValue,
                                              data: ["ops": String(ops.count), "summary": why!,
                                                     "rules": ops.prefix(50).map(\.ruleId).joined(separator: ",")]), in: sql)
            return change
        }
    }

    /// Validated rules of a CSV or YAML file; a `CatalogueCSV.RowError` names every bad row (line, column, zh + en).
    public static func parse(_ text: String, format: Format) throws -> [CatalogueEntry] {
        switch format {
        case .csv: try CatalogueCSV.parseEntries(text)
        case .yaml: try CatalogueYAML.parseEntries(text)
        }
    }

    /// Imports a CSV or YAML file as a proposal: `replace` makes the catalogue equal to the file (rules missing from it
    /// are retired), `merge` adds and updates only.
    public func importFile(_ text: String, format: Format, replace: Bool, summary: String?, regulationIds: [String] = [],
                           by p: Principal) async throws -> CatalogueChange {
        try p.require(.catalogueEdit)
        let entries: [CatalogueEntry]
        do {
            entries = try Self.parse(text, format: format)
        } catch let e as CatalogueCSV.RowError {
            // Every bad row at once (up to 100), each naming its line and column.
            throw ValidationError(e.all.prefix(100).map { r in FieldError(field: "content", code: "invalid-row", message: r.located) })
        }
        let (_, c) = try await current()
        let existing = Dictionary(c.entries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var ops: [CatalogueOp] = entries.filter { existing[$0.id] != $0 }.map { .upsert($0) }
        if replace {
            let incoming = Set(entries.map(\.id))
            ops += c.entries.filter { !incoming.contains($0.id) }.map { .delete($0.id) }
        }
        if ops.isEmpty {
            throw CommonError.conflict(code: "no-change", en: "The file matches the current catalogue; nothing to propose.",
                                       zh: "文件与当前目录一致，无需变更。")
        }
        return try await propose(ops: ops, summary: summary ?? "Import of \(entries.count) rules (\(format.rawValue), \(replace ? "replace" : "merge"))",
                                 regulationIds: regulationIds, by: p)
    }

    /// Four-eyes approval: a new version, installed at once, re-screens queued for the affected markets, and the
    /// regulations the change implements get their catalogue-update date (CMP6 lag).
    public func approve(_ id: String, reason: String?, by p: Principal) async throws -> (CatalogueChange, [RescreenJob]) {
        try p.require(.catalogueEdit)
        var v = Validator()
        let why = v.text(reason, field: "reason", max: 1000, required: false)
        try v.finish()
        let day = today
        let (change, jobs, installed) = try await db.transaction { [store, audit, rescreens, regulations, clock] sql -> (CatalogueChange, [RescreenJob], Catalogue) in
            guard var change = try await store.change(id, in: sql) else { throw CommonError.notFound(entity: "catalogue change", id: id) }
            guard change.status == .pending else {
                throw CommonError.invalidTransition(entity: "catalogue change", from: change.status.rawValue, to: "approved")
            }
            guard change.proposedBy != p.personId else {
                throw CommonError.conflict(code: "four-eyes", en: "A change must be approved by someone other than its proposer.",
                                           zh: "变更须由提议人以外的人员审批（四眼原则）。")
            }
            guard let row = try await store.latest(in: sql) else { throw CommonError.unavailable("catalogue not bootstrapped") }
            let old = try CatalogueStore.catalogue(row)
            let new: Catalogue
            do { new = try old.applying(change.ops) } catch let error as ValidationError {
                // Another approved change retired a rule this one edits: the proposal must be redone on the current version.
                throw CommonError.conflict(code: "stale-change", en: "The catalogue changed since this proposal: \(error.fieldErrors.first?.message.en ?? "")",
                                           zh: "该提议之后目录已变更：\(error.fieldErrors.first?.message.zh ?? "")")
            }
            let number = Int(row.version) + 1
            let now = clock.now()
            try await store.insertVersion(number, catalogue: new, changeId: change.id.rawValue, summary: change.summary, by: p.actorId, at: now, in: sql)
            try await store.insertHistory(version: number, diff: .between(old, new), changeId: change.id.rawValue, by: p.actorId, at: now, in: sql)
            change.status = .approved; change.decidedBy = p.personId; change.decidedAt = now; change.decisionReason = why
            change.resultVersion = number
            try await store.decide(change, in: sql)
            let effective = new.effective(on: day)
            let markets = Catalogue.affectedMarkets(from: old.effective(on: day), to: effective)
            let jobs = try await rescreens.enqueue(markets: markets, catalogueVersion: effective.version,
                                                   reason: "catalogue v\(number): \(change.summary)", in: sql)
            try await regulations.catalogueUpdated(change.regulationIds, changeId: change.id.rawValue, at: now, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: nil, action: "catalogue.approved", entity: "catalogue-change",
                                              entityId: id, data: ["version": String(number), "hash": new.version,
                                                                   "markets": markets.map(\.rawValue).joined(separator: ","),
                                                                   "proposedBy": change.proposedBy]), in: sql)
            return (change, jobs, effective)
        }
        screening.install(installed)
        loaded.withLock { $0 = Loaded(number: change.resultVersion ?? 0, day: day) }
        return (change, jobs)
    }

    public func reject(_ id: String, reason: String?, by p: Principal) async throws -> CatalogueChange {
        try p.require(.catalogueEdit)
        var v = Validator()
        let why = v.text(reason, field: "reason", max: 1000)
        try v.finish()
        return try await db.transaction { [store, audit, clock] sql in
            guard var change = try await store.change(id, in: sql) else { throw CommonError.notFound(entity: "catalogue change", id: id) }
            guard change.status == .pending else {
                throw CommonError.invalidTransition(entity: "catalogue change", from: change.status.rawValue, to: "rejected")
            }
            change.status = .rejected; change.decidedBy = p.personId; change.decidedAt = clock.now(); change.decisionReason = why
            try await store.decide(change, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: nil, action: "catalogue.rejected", entity: "catalogue-change",
                                              entityId: id, data: ["reason": why!]), in: sql)
            return change
        }
    }

    public func changes(status: CatalogueChange.Status?, limit: Int? = nil, by p: Principal) async throws -> [CatalogueChange] {
        try await changePage(status: status, limit: limit, after: nil, by: p).items
    }

    /// Newest first, one page (`after`: the `next` of the previous page).
    public func changePage(status: CatalogueChange.Status?, limit: Int?, after: String?, by p: Principal) async throws -> Page<CatalogueChange> {
        try p.require(.catalogueRead)
        let n = min(max(limit ?? 50, 1), 500)
        let cursor = try after.map { try TimeIDCursor(token: $0) }
        let rows = try await db.read { [store] in try await store.changes(status: status, limit: n + 1, after: cursor, in: $0) }
        return Page.of(rows, limit: n) { TimeIDCursor(time: $0.proposedAt.epochMillis, id: $0.id.rawValue).token }
    }

    public func change(_ id: String, by p: Principal) async throws -> CatalogueChange {
        try p.require(.catalogueRead)
        guard let c = try await db.read({ [store] in try await store.change(id, in: $0) }) else {
            throw CommonError.notFound(entity: "catalogue change", id: id)
        }
        return c
    }
}
