import Foundation
import Kernel
import SQLKit

public struct RegulationInput: Sendable {
    public var id: String?
    public var country: String?
    public var market: String?
    public var title: String?
    public var authority: String?
    public var url: String?
    public var changedOn: String?
    public var summary: String?
    public var ruleIds: [String]?
    public init(id: String? = nil, country: String? = nil, market: String? = nil, title: String? = nil, authority: String? = nil,
                url: String? = nil, changedOn: String? = nil, summary: String? = nil, ruleIds: [String]? = nil) {
        self.id = id; self.country = country; self.market = market; self.title = title; self.authority = authority; self.url = url
        self.changedOn = changedOn; self.summary = summary; self.ruleIds = ruleIds
    }
}

/// The lag KPI of CMP6: how fast the catalogue follows regulation changes.
public struct RegulationLagStats: Sendable, Equatable {
    public var measured = 0
    public var withinSLA = 0
    public var pending = 0
    public var overdue = 0
    public var medianLagWorkingDays: Int?
    public var maxLagWorkingDays: Int?
}

/// Regulation database per country (CMP6) and country political risk with response measures (CMP9).
public struct RegulationService: Sendable {
    let db: Database
    let clock: any WallClock
    let calendar: any WorkingDayCalendar
    let audit: AuditLog
    let store = RegulationStore()
    static let timeZone = TimeZone(identifier: "Asia/Shanghai")!

    public init(db: Database, clock: any WallClock, calendar: any WorkingDayCalendar = ChineseWorkingDayCalendar.official) {
        self.db = db; self.clock = clock; self.calendar = calendar; audit = AuditLog(clock: clock)
    }

    var today: LocalDate { LocalDate(clock.now(), in: Self.timeZone) }

    /// Loads the bundled regulation list and country risk table into an empty database.
    public func seed() async throws {
        guard let dir = Bundle.module.url(forResource: "regulations", withExtension: nil) else { return }
        let regs = try Self.readCSV(dir.appendingPathComponent("regulations.csv"))
        let risks = try Self.readCSV(dir.appendingPathComponent("country-risk.csv"))
        try await db.transaction { [store, clock, calendar] sql in
            if try await store.count(in: sql) == 0 {
                let day = LocalDate(clock.now(), in: Self.timeZone)
                for r in regs {
                    let changed = try LocalDate(parsing: r["changed_on"] ?? "")
                    try await store.insert(Regulation(
                        id: r["id"]!, country: r["country"]!, market: Market(rawValue: r["market"]!) ?? .global, title: r["title"]!,
                        authority: r["authority"]!, url: r["url"]!, changedOn: changed, summary: r["summary"]!,
                        ruleIds: (r["rule_ids"] ?? "").split(separator: "|").map(String.init),
                        dueOn: calendar.workingDay(Regulation.slaWorkingDays, after: changed), catalogueUpdatedOn: day, changeId: "bundled",
                        lagWorkingDays: nil, recordedBy: "system", recordedAt: clock.now()), in: sql)
                }
            }
            if try await store.risks(in: sql).isEmpty {
                for r in risks {
                    try await store.insertRisk(CountryRisk(
                        country: r["country"]!, nameEn: r["name_en"]!, nameZh: r["name_zh"]!,
                        level: CountryRisk.Level(rawValue: r["level"]!) ?? .elevated, assessedOn: try LocalDate(parsing: r["assessed_on"]!),
                        basis: r["basis"]!, measuresEn: r["measures_en"]!, measuresZh: r["measures_zh"]!, updatedBy: "system",
                        updatedAt: clock.now()), in: sql)
                }
            }
        }
    }

    static func readCSV(_ url: URL) throws -> [[String: String]] {
        let rows = try CatalogueCSV.readRows(try String(contentsOf: url, encoding: .utf8))
        guard let head = rows.first else { return [] }
        return rows.dropFirst().filter { $0.count == head.count }.map { Dictionary(uniqueKeysWithValues: zip(head, $0)) }
    }

    /// Records a regulation change; the catalogue owes an update within 10 working days.
    public func record(_ input: RegulationInput, by p: Principal) async throws -> Regulation {
        try p.require(.regulationsEdit)
        var v = Validator()
        // The EU legislates as one jurisdiction: "EU" is accepted next to ISO 3166 codes.
        let country = input.country?.uppercased() == "EU" ? "EU" : v.country(input.country, field: "country")
        let marketText = v.text(input.market, field: "market", max: 10)
        let market = marketText.flatMap { Market(rawValue: $0.uppercased()) }
        if marketText != nil && market == nil { v.fail("market", "unknown-market", en: "Unknown market \(marketText!).", zh: "未知市场 \(marketText!)。") }
        let title = v.text(input.title, field: "title", max: 500)
        let authority = v.text(input.authority, field: "authority", max: 300)
        let url = v.text(input.url, field: "url", max: 1000)
        if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) || URL(string: url)?.host == nil {
            v.fail("url", "invalid-url", en: "url must be an http(s) address.", zh: "url 须为 http(s) 地址。")
        }
        let summary = v.text(input.summary, field: "summary", max: 5000)
        var changed: LocalDate?
        if let t = v.text(input.changedOn, field: "changedOn", max: 10) {
            changed = try? LocalDate(parsing: t)
            if changed == nil { v.fail("changedOn", "invalid-date", en: "changedOn must be YYYY-MM-DD.", zh: "changedOn 须为 YYYY-MM-DD。") }
            else if changed! > today.adding(days: 366) {
                v.fail("changedOn", "too-far", en: "changedOn is more than a year ahead.", zh: "changedOn 不得晚于一年以后。")
            }
        }
        // Rule ids may name entries the catalogue does not have yet (the change that adds them is what the SLA waits
        // for), so only their form is checked.
        let ruleIds = input.ruleIds ?? []
        if ruleIds.count > 200 { v.fail("ruleIds", "too-many", en: "At most 200 rule ids.", zh: "最多 200 个规则编号。") }
        for (i, rule) in ruleIds.enumerated().prefix(200)
        where rule.isEmpty || rule.count > 40 || !rule.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
            v.fail("ruleIds[\(i)]", "invalid", en: "A rule id is a catalogue code such as GL-BRD-0041.", zh: "规则编号须为目录代码，如 GL-BRD-0041。")
        }
        let id = input.id.flatMap { v.text($0, field: "id", max: 100) } ?? title.flatMap { t in changed.map { Self.slug(t) + "-" + $0.description } }
        if let id, !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
            v.fail("id", "invalid", en: "id may contain letters, digits and hyphens only.", zh: "id 只能包含字母、数字和连字符。")
        }
        try v.finish()
        let reg = Regulation(id: id!, country: country!, market: market!, title: title!, authority: authority!, url: url!, changedOn: changed!,
                             summary: summary!, ruleIds: ruleIds, dueOn: calendar.workingDay(Regulation.slaWorkingDays, after: changed!),
                             catalogueUpdatedOn: nil, changeId: nil, lagWorkingDays: nil, recordedBy: p.actorId, recordedAt: clock.now())
        return try await db.transaction { [store, audit] sql in
            if try await store.find(reg.id, in: sql) != nil {
                throw CommonError.conflict(code: "duplicate-regulation", en: "A regulation \(reg.id) already exists.", zh: "法规 \(reg.id) 已存在。")
            }
            try await store.insert(reg, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: nil, action: "regulation.recorded", entity: "regulation", entityId: reg.id,
                                              data: ["changedOn": reg.changedOn.description, "dueOn": reg.dueOn.description,
                                                     "market": reg.market.rawValue]), in: sql)
            return reg
        }
    }

    static func slug(_ s: String) -> String {
        let ascii = s.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }
        let collapsed = String(ascii).split(separator: "-").joined(separator: "-")
        return String((collapsed.isEmpty ? "regulation" : collapsed).prefix(60))
    }

    /// Stops the clock of regulations a catalogue change implements (inside the approval transaction).
    func catalogueUpdated(_ ids: [String], changeId: String, at: Date, in sql: any SQLDatabase) async throws {
        let day = LocalDate(at, in: Self.timeZone)
        for id in ids {
            guard var r = try await store.find(id, in: sql), r.catalogueUpdatedOn == nil else { continue }
            r.catalogueUpdatedOn = day
            r.changeId = changeId
            r.lagWorkingDays = calendar.workingDays(from: r.changedOn, to: day)
            try await store.update(r, in: sql)
            try await audit.append(AuditEvent(actor: "system", merchantId: nil, action: "regulation.implemented", entity: "regulation", entityId: id,
                                              data: ["change": changeId, "lagWorkingDays": String(r.lagWorkingDays!)]), in: sql)
        }
    }

    public func list(market: Market? = nil, country: String? = nil) async throws -> [Regulation] {
        try await db.read { [store] in try await store.list(market: market, country: country?.uppercased(), in: $0) }
    }

    /// Most recently changed first, one page (`after`: the `next` of the previous page, `<changedOn>~<id>`).
    public func page(market: Market?, country: String?, limit: Int?, after: String?) async throws -> Page<Regulation> {
        let n = min(max(limit ?? 100, 1), 500)
        var cursor: (String, String)?
        if let after {
            let parts = after.split(separator: "~", maxSplits: 1).map(String.init)
            guard parts.count == 2, (try? LocalDate(parsing: parts[0])) != nil, !parts[1].isEmpty, parts[1].count <= 100 else {
                throw ValidationError.invalidCursor()
            }
            cursor = (parts[0], parts[1])
        }
        let rows = try await db.read { [store, cursor] in try await store.list(market: market, country: country?.uppercased(), limit: n + 1, after: cursor, in: $0) }
        return Page.of(rows, limit: n) { "\($0.changedOn.description)~\($0.id)" }
    }

    public func get(_ id: String) async throws -> Regulation {
        guard let r = try await db.read({ [store] in try await store.find(id, in: $0) }) else { throw CommonError.notFound(entity: "regulation", id: id) }
        return r
    }

    public func lagStats() async throws -> RegulationLagStats {
        let all = try await list()
        let day = today
        var s = RegulationLagStats()
        var lags: [Int] = []
        for r in all {
            switch r.state(today: day) {
            case .met: s.measured += 1; s.withinSLA += 1; lags.append(r.lagWorkingDays!)
            case .late: s.measured += 1; lags.append(r.lagWorkingDays!)
            case .pending: s.pending += 1
            case .overdue: s.overdue += 1
            case .baseline: break
            }
        }
        lags.sort()
        s.medianLagWorkingDays = lags.isEmpty ? nil : lags[lags.count / 2]
        s.maxLagWorkingDays = lags.last
        return s
    }

    public func risks() async throws -> [CountryRisk] { try await db.read { [store] in try await store.risks(in: $0) } }

    /// By country code, one page (`after`: the `next` of the previous page, a country code).
    public func riskPage(limit: Int?, after: String?) async throws -> Page<CountryRisk> {
        let n = min(max(limit ?? 100, 1), 500)
        let rows = try await db.read { [store] in try await store.risks(limit: n + 1, after: after, in: $0) }
        return Page.of(rows, limit: n) { $0.country }
    }

    public func risk(_ country: String) async throws -> CountryRisk {
        guard let r = try await db.read({ [store] in try await store.risk(country.uppercased(), in: $0) }) else {
            throw CommonError.notFound(entity: "country risk", id: country)
        }
        return r
    }

    /// Re-assesses a country; the previous level is kept in the audit trail.
    public func assess(_ country: String, level: String?, basis: String?, measuresEn: String?, measuresZh: String?, by p: Principal) async throws -> CountryRisk {
        try p.require(.regulationsEdit)
        var v = Validator()
        let lv = level.flatMap(CountryRisk.Level.init(rawValue:))
        if lv == nil {
            v.fail("level", level == nil ? "required" : "invalid",
                   en: "level must be one of \(CountryRisk.Level.allCases.map(\.rawValue).joined(separator: ", ")).",
                   zh: "level 的取值无效，可选值：\(CountryRisk.Level.allCases.map(\.rawValue).joined(separator: "、"))。")
        }
        let basis = v.text(basis, field: "basis", max: 2000)
        let en = v.text(measuresEn, field: "measuresEn", max: 4000)
        let zh = v.text(measuresZh, field: "measuresZh", max: 4000)
        try v.finish()
        return try await db.transaction { [store, audit, clock] sql in
            guard var r = try await store.risk(country.uppercased(), in: sql) else { throw CommonError.notFound(entity: "country risk", id: country) }
            let before = r.level
            r.level = lv!; r.basis = basis!; r.measuresEn = en!; r.measuresZh = zh!; r.updatedBy = p.actorId; r.updatedAt = clock.now()
            r.assessedOn = LocalDate(r.updatedAt, in: Self.timeZone)
            try await store.updateRisk(r, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: nil, action: "country-risk.assessed", entity: "country-risk",
                                              entityId: r.country, data: ["from": before.rawValue, "to": r.level.rawValue]), in: sql)
            return r
        }
    }
}
