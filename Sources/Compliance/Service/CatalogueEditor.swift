import Foundation
import Kernel
import SQLKit

/// The catalogue editor's use cases (issue 12 item 7, CMP1): search the live rules, a rule with its versions and recent
/// hits, and rule-by-rule proposals (add, edit, retire) that go through the same four-eyes `propose` → `approve` flow
/// as imports.
extension CatalogueService {
    public struct RuleSearch: Sendable {
        public let page: Page<CatalogueEntry>
        /// The live version searched.
        public let version: Int
        /// Rules a waiting change touches, with that change.
        public let pending: [String: CatalogueChangeID]
    }

    public func rules(_ q: RuleQuery, by p: Principal) async throws -> RuleSearch {
        try p.require(.catalogueRead)
        let (number, c) = try await current()
        let (ids, byRule) = try await db.read { [store] in try await store.pendingRuleIds(in: $0) }
        return RuleSearch(page: try c.search(q, on: today, pending: ids), version: number, pending: byRule)
    }

    /// One version of a rule: what that catalogue version did to it.
    public struct RuleVersion: Sendable {
        public enum Action: String, Sendable { case added, changed, retired }
        public let version: Int
        public let action: Action
        public let changeId: String?
        public let entry: CatalogueEntry
        public let createdBy: String
        public let createdAt: Date
    }

    public struct RuleDetail: Sendable {
        /// The live rule, or its last version when retired.
        public let entry: CatalogueEntry
        public let live: Bool
        public let inForce: Bool
        /// Newest first.
        public let history: [RuleVersion]
        public let pendingChange: CatalogueChangeID?
        public let liveVersion: Int
    }

    public func rule(_ id: String, by p: Principal) async throws -> RuleDetail {
        try p.require(.catalogueRead)
        let (number, c) = try await current()
        let (rows, pending) = try await db.read { [store] sql in
            (try await store.history(ruleId: id, limit: 200, in: sql), try await store.pendingRuleIds(in: sql).1)
        }
        let history = try rows.map { r in
            RuleVersion(version: Int(r.version), action: RuleVersion.Action(rawValue: r.action) ?? .changed, changeId: r.changeId,
                        entry: try JSONDecoder().decode(CatalogueEntry.self, from: Data(r.entry.utf8)), createdBy: r.createdBy,
                        createdAt: Date(epochMillis: r.createdAt))
        }
        let live = c.entries.first { $0.id == id }
        guard let entry = live ?? history.first?.entry else { throw CommonError.notFound(entity: "catalogue rule", id: id) }
        let day = today
        return RuleDetail(entry: entry, live: live != nil, inForce: live != nil && (entry.effectiveFrom.isEmpty || entry.effectiveFrom <= day),
                          history: history, pendingChange: pending[id], liveVersion: number)
    }

    /// The listings the rule hit in their latest screening, newest first (one row per listing and market).
    public func hits(ruleId: String, limit: Int?, after: String?, by p: Principal) async throws -> Page<RuleHit> {
        try p.require(.catalogueRead)
        let n = min(max(limit ?? 20, 1), 200)
        let cursor = try after.map { try TimeIDCursor(token: $0) }
        let rows = try await db.read { try await RuleHitStore().hits(ruleId: ruleId, limit: n + 1, after: cursor, in: $0) }
        return Page.of(rows, limit: n) { TimeIDCursor(time: $0.screenedAt.epochMillis, id: RuleHitStore.cursorID($0)).token }
    }

    /// What the form starts from: nothing for a new rule, the live rule to edit. Only those who may propose get a form.
    public func draft(editing: String?, by p: Principal) async throws -> CatalogueEntry? {
        try p.require(.catalogueEdit)
        guard let editing else { return nil }
        let (_, c) = try await current()
        guard let e = c.entries.first(where: { $0.id == editing }) else { throw CommonError.notFound(entity: "catalogue rule", id: editing) }
        return e
    }

    /// Proposes a new rule (`editing` nil; a blank id is generated) or an edit of the live rule `editing`. Field errors
    /// name the input's fields (`term`, `sourceUrl`, …) in both languages. Nothing changes until another officer approves.
    public func proposeRule(_ input: CatalogueRuleInput, editing: String?, summary: String?, by p: Principal) async throws -> CatalogueChange {
        try p.require(.catalogueEdit)
        let (_, c) = try await current()
        var rule = input
        rule.id = rule.id.trimmingCharacters(in: .whitespaces)
        if let editing {
            guard c.entries.contains(where: { $0.id == editing }) else { throw CommonError.notFound(entity: "catalogue rule", id: editing) }
            rule.id = editing
        } else if rule.id.isEmpty, let market = Market(rawValue: rule.market.uppercased()), let category = RuleCategory(rawValue: rule.category) {
            let pending = try await db.read { [store] in try await store.pendingRuleIds(in: $0).0 }
            rule.id = Self.nextRuleId(market: market, category: category, taken: Set(c.entries.map(\.id)).union(pending))
        } else if rule.id.isEmpty {
            // No id can be generated before market and category are valid; their errors say what to fix.
            rule.id = "new-rule"
        }
        let entry: CatalogueEntry
        do {
            guard let e = try CatalogueRuleInput.entries([rule]).first else { throw CommonError.malformedBody("no rule") }
            entry = e
        } catch let e as CatalogueCSV.RowError {
            throw ValidationError(e.all.prefix(20).map { r in
                FieldError(field: Self.inputField(r.column), code: "invalid", message: r.text)
            })
        }
        let old = c.entries.first { $0.id == entry.id }
        if editing == nil, old != nil {
            throw ValidationError(field: "id", code: "exists", en: "A rule \(entry.id) already exists; edit it instead.",
                                  zh: "规则 \(entry.id) 已存在，请改为编辑该规则。")
        }
        let what: String
        if let old {
            let fields = CatalogueDiff.fields(old, entry).map(\.field)
            if fields.isEmpty {
                throw CommonError.conflict(code: "no-change", en: "Nothing was changed in rule \(entry.id).", zh: "规则 \(entry.id) 没有任何改动。")
            }
            what = "Edit rule \(entry.id) (\(entry.term)): \(fields.joined(separator: ", "))"
        } else {
            what = "Add rule \(entry.id) (\(entry.market.rawValue) · \(entry.category.rawValue) · \(entry.term))"
        }
        return try await propose(ops: [.upsert(entry)], summary: Self.summary(summary, default: what), by: p)
    }

    /// Proposes retiring a live rule; `reason` (required) becomes part of the change's summary.
    public func proposeRetirement(_ id: String, reason: String?, by p: Principal) async throws -> CatalogueChange {
        try p.require(.catalogueEdit)
        var v = Validator()
        let why = v.text(reason, field: "reason", max: 400)
        try v.finish()
        let (_, c) = try await current()
        guard let e = c.entries.first(where: { $0.id == id }) else { throw CommonError.notFound(entity: "catalogue rule", id: id) }
        return try await propose(ops: [.delete(id)], summary: "Retire rule \(id) (\(e.term)): \(why!)", by: p)
    }

    /// A change with what it does: for a pending or rejected change against the live catalogue, for an approved one
    /// against the version before the one it made. `base` is the version compared with.
    public func changeDiff(_ id: String, by p: Principal) async throws -> (change: CatalogueChange, diff: CatalogueDiff, base: Int) {
        let change = try await self.change(id, by: p)
        if let made = change.resultVersion, made > 1 {
            let (before, after) = try await db.read { [store] sql in
                (try await store.version(made - 1, in: sql), try await store.version(made, in: sql))
            }
            if let before, let after {
                return (change, .between(try CatalogueStore.catalogue(before), try CatalogueStore.catalogue(after)), made - 1)
            }
        }
        let (number, live) = try await current()
        return (change, .of(change.ops, on: live), number)
    }

    /// Whether `p` may approve or reject `change` now: four-eyes means never its proposer (the console shows the
    /// proposer "waiting for another officer" instead of buttons; `approve` refuses anyway).
    public func mayDecide(_ change: CatalogueChange, by p: Principal) -> Bool {
        p.can(.catalogueEdit) && change.status == .pending && change.proposedBy != p.personId
    }

    /// `<MARKET>-<CATEGORY>-<NNNN>` like the bundled rules (GL for global), one past the highest number in use.
    public static func nextRuleId(market: Market, category: RuleCategory, taken: Set<String>) -> String {
        let code = switch category {
        case .prohibited: "PRO"
        case .restricted: "RES"
        case .brand: "BRD"
        case .adWord: "AD"
        case .taboo: "TAB"
        case .disclosure: "DIS"
        case .pricing: "PRC"
        }
        let prefix = "\(market == .global ? "GL" : market.rawValue)-\(code)-"
        let highest = taken.filter { $0.hasPrefix(prefix) }.compactMap { Int($0.dropFirst(prefix.count)) }.max() ?? 0
        var n = highest + 1
        while taken.contains(prefix + String(format: "%04d", n)) { n += 1 }
        return prefix + String(format: "%04d", n)
    }

    /// The API/form field of an exchange-format column.
    static func inputField(_ column: String) -> String {
        switch column {
        case "source_url": "sourceUrl"
        case "effective_from": "effectiveFrom"
        case "*", "header": "rule"
        default: column
        }
    }

    static func summary(_ given: String?, default what: String) -> String {
        let s = given?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return s.isEmpty ? String(what.prefix(500)) : s
    }

    /// Derives the rule history from stored versions (databases that predate it); bounded by the number of versions.
    static func backfillHistory(_ store: CatalogueStore, in sql: any SQLDatabase) async throws {
        let latest = try await store.latestNumber(in: sql)
        guard latest > 0 else { return }
        var previous = Catalogue(entries: [])
        for n in 1...latest {
            guard let row = try await store.version(n, in: sql) else { continue }
            let c = try CatalogueStore.catalogue(row)
            try await store.insertHistory(version: n, diff: .between(previous, c), changeId: row.changeId, by: row.createdBy,
                                          at: Date(epochMillis: row.createdAt), in: sql)
            previous = c
        }
    }
}

extension CatalogueRuleInput {
    public init(id: String, market: String, category: String, term: String, variants: [String]? = nil, language: String? = nil,
                match: String? = nil, requires: [String]? = nil, severity: Int? = nil, source: String, sourceUrl: String? = nil,
                effectiveFrom: String? = nil, note: String? = nil) {
        self.id = id; self.market = market; self.category = category; self.term = term; self.variants = variants
        self.language = language; self.match = match; self.requires = requires; self.severity = severity; self.source = source
        self.sourceUrl = sourceUrl; self.effectiveFrom = effectiveFrom; self.note = note
    }
}
