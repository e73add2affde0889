import Compliance
import Foundation
import Hummingbird
import Kernel

/// Rule catalogue (CMP1), re-screen jobs, regulations (CMP6) and country risk (CMP9).
struct CatalogueAPI {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("catalogue", use: current)
        api.get("catalogue/rules", use: rules)
        api.get("catalogue/versions", use: versions)
        api.get("catalogue/changes", use: changes)
        api.post("catalogue/changes", use: propose)
        api.post("catalogue/imports", use: importFile)
        api.get("catalogue/changes/:id", use: change)
        api.post("catalogue/changes/:id/approve", use: approve)
        api.post("catalogue/changes/:id/reject", use: reject)
        api.get("rescreen-jobs", use: jobs)
        api.post("rescreen-jobs", use: enqueue)
        api.get("rescreen-jobs/:id", use: job)
        api.get("regulations", use: regulations)
        api.post("regulations", use: recordRegulation)
        api.get("regulations/lag", use: lag)
        api.get("regulations/:id", use: regulation)
        api.get("country-risks", use: risks)
        api.get("country-risks/:country", use: risk)
        api.put("country-risks/:country", use: assess)
    }

    static func market(_ q: Query, _ name: String = "market") throws -> Market? {
        try q.string(name).map { m in
            guard let v = Market(rawValue: m.uppercased()) else {
                throw ValidationError(field: name, code: "unknown-market", en: "Unknown market \(m).", zh: "未知市场 \(m)。")
            }
            return v
        }
    }

    func current(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try c.requirePrincipal()
        let (number, cat) = try await services.catalogue.current()
        return try JSONIO.response(CatalogueSummaryDTO(number: number, catalogue: cat, installed: services.screening.installedVersion))
    }

    /// The approved catalogue as JSON rules, or as a CSV / YAML file (`format=csv|yaml`), optionally one market.
    func rules(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try c.requirePrincipal()
        let q = Query(request: r)
        let market = try Self.market(q)
        if let format = try q.enumValue("format", CatalogueService.Format.self) {
            let text = try await services.catalogue.export(format: format, market: market)
            var headers = HTTPFields()
            headers[.contentType] = format == .csv ? "text/csv; charset=utf-8" : "application/yaml; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"catalogue\(market.map { "-" + $0.rawValue } ?? "").\(format.rawValue)\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: text)))
        }
        let (_, cat) = try await services.catalogue.current()
        let category = try q.enumValue("category", RuleCategory.self)
        let term = q.string("q")?.lowercased()
        let items = cat.entries.filter { e in
            (market == nil || e.market == market) && (category == nil || e.category == category)
                && (term == nil || e.term.lowercased().contains(term!) || e.id.lowercased().contains(term!))
        }
        // The catalogue is in memory: page by rule id (`after`: the last id of the previous page).
        let limit = try q.int("limit", in: 1...5000) ?? 500
        let after = q.string("after")
        let ordered = items.sorted { $0.id < $1.id }.filter { after == nil || $0.id > after! }
        let page = Page.of(Array(ordered.prefix(limit + 1)), limit: limit) { $0.id }
        return try JSONIO.response(ListDTO(data: page.items.map(CatalogueRuleInput.init), next: page.next))
    }

    func versions(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let q = Query(request: r)
        let page = try await services.catalogue.versionPage(limit: try q.int("limit", in: 1...500), after: q.string("after"), by: try c.requirePrincipal())
        return try JSONIO.response(ListDTO(data: page.items.map(CatalogueVersionDTO.init), next: page.next))
    }

    func changes(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let q = Query(request: r)
        let page = try await services.catalogue.changePage(status: try q.enumValue("status", CatalogueChange.Status.self),
                                                           limit: try q.int("limit", in: 1...500), after: q.string("after"), by: try c.requirePrincipal())
        return try JSONIO.response(ListDTO(data: page.items.map(CatalogueChangeDTO.init), next: page.next))
    }

    func change(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try JSONIO.response(CatalogueChangeDTO(try await services.catalogue.change(try c.parameters.require("id"), by: try c.requirePrincipal())))
    }

    struct OpBody: Decodable {
        let op: String?
        let rule: CatalogueRuleInput?
        let ruleId: String?
    }

    struct ProposeBody: Decodable {
        let summary: String?
        let ops: [OpBody]?
        let regulationIds: [String]?
        static let keys: Set<String> = ["summary", "ops", "regulationIds"]
    }

    func propose(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ProposeBody.self, r, c, allowedKeys: ProposeBody.keys)
        var v = Validator()
        var ops: [CatalogueOp] = []
        var upserts: [(Int, CatalogueRuleInput)] = []
        for (i, o) in (b.ops ?? []).enumerated() {
            switch o.op {
            case "upsert":
                if let rule = o.rule { upserts.append((i, rule)) } else { v.fail("ops[\(i)].rule", "required", en: "rule is required for upsert.", zh: "upsert 须提供 rule。") }
            case "delete":
                if let id = v.text(o.ruleId, field: "ops[\(i)].ruleId", max: 100) { ops.append(.delete(id)) }
            default:
                v.fail("ops[\(i)].op", "invalid", en: "op must be upsert or delete.", zh: "op 须为 upsert 或 delete。")
            }
        }
        try v.finish()
        do {
            let entries = try CatalogueRuleInput.entries(upserts.map(\.1))
            ops += entries.map { .upsert($0) }
        } catch let e as CatalogueCSV.RowError {
            let index = e.line >= 2 && e.line - 2 < upserts.count ? upserts[e.line - 2].0 : 0
            let column = e.column.replacingOccurrences(of: "source_url", with: "sourceUrl").replacingOccurrences(of: "effective_from", with: "effectiveFrom")
            throw ValidationError(field: "ops[\(index)].rule.\(column)", code: "invalid", en: e.message, zh: e.message)
        }
        let change = try await services.catalogue.propose(ops: ops, summary: b.summary, regulationIds: b.regulationIds ?? [], by: p)
        return try JSONIO.response(CatalogueChangeDTO(change), status: .created, location: "/api/v1/catalogue/changes/\(change.id)")
    }

    struct ImportBody: Decodable {
        let format: String?
        let mode: String?
        let content: String?
        let summary: String?
        let regulationIds: [String]?
        static let keys: Set<String> = ["format", "mode", "content", "summary", "regulationIds"]
    }

    func importFile(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ImportBody.self, r, c, allowedKeys: ImportBody.keys)
        var v = Validator()
        let format = b.format.flatMap(CatalogueService.Format.init(rawValue:))
        if format == nil { v.fail("format", b.format == nil ? "required" : "invalid", en: "format must be csv or yaml.", zh: "format 须为 csv 或 yaml。") }
        let mode = b.mode ?? "merge"
        if mode != "merge" && mode != "replace" { v.fail("mode", "invalid", en: "mode must be merge or replace.", zh: "mode 须为 merge 或 replace。") }
        if (b.content ?? "").isEmpty { v.fail("content", "required", en: "content is required.", zh: "content 为必填项。") }
        try v.finish()
        let change = try await services.catalogue.importFile(b.content!, format: format!, replace: mode == "replace", summary: b.summary,
                                                             regulationIds: b.regulationIds ?? [], by: p)
        return try JSONIO.response(CatalogueChangeDTO(change), status: .created, location: "/api/v1/catalogue/changes/\(change.id)")
    }

    func approve(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: ReasonBody.keys, allowEmpty: true)
        let (change, jobs) = try await services.catalogue.approve(try c.parameters.require("id"), reason: b.reason, by: p)
        return try JSONIO.response(ApprovalDTO(change: CatalogueChangeDTO(change), jobs: jobs.map(RescreenJobDTO.init)))
    }

    func reject(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: ReasonBody.keys)
        return try JSONIO.response(CatalogueChangeDTO(try await services.catalogue.reject(try c.parameters.require("id"), reason: b.reason, by: p)))
    }

    func jobs(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let q = Query(request: r)
        let page = try await services.rescreens.page(limit: try q.int("limit", in: 1...200), after: q.string("after"), by: try c.requirePrincipal())
        return try JSONIO.response(ListDTO(data: page.items.map(RescreenJobDTO.init), next: page.next))
    }

    func job(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try JSONIO.response(RescreenJobDTO(try await services.rescreens.get(try c.parameters.require("id"), by: try c.requirePrincipal())))
    }

    struct EnqueueBody: Decodable {
        let markets: [String]?
        let reason: String?
        static let keys: Set<String> = ["markets", "reason"]
    }

    func enqueue(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(EnqueueBody.self, r, c, allowedKeys: EnqueueBody.keys)
        let jobs = try await services.rescreens.enqueue(markets: b.markets, reason: b.reason, by: p)
        return try JSONIO.response(ListDTO(data: jobs.map(RescreenJobDTO.init), next: nil), status: .accepted)
    }

    func regulations(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try c.requirePrincipal()
        let q = Query(request: r)
        let page = try await services.regulations.page(market: try Self.market(q), country: q.string("country"),
                                                       limit: try q.int("limit", in: 1...500), after: q.string("after"))
        let today = LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone)
        return try JSONIO.response(ListDTO(data: page.items.map { RegulationDTO($0, today: today) }, next: page.next))
    }

    func regulation(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try c.requirePrincipal()
        let today = LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone)
        return try JSONIO.response(RegulationDTO(try await services.regulations.get(try c.parameters.require("id")), today: today))
    }

    struct RegulationBody: Decodable {
        let id: String?, country: String?, market: String?, title: String?, authority: String?, url: String?
        let changedOn: String?, summary: String?, ruleIds: [String]?
        static let keys: Set<String> = ["id", "country", "market", "title", "authority", "url", "changedOn", "summary", "ruleIds"]
    }

    func recordRegulation(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(RegulationBody.self, r, c, allowedKeys: RegulationBody.keys)
        let reg = try await services.regulations.record(RegulationInput(
            id: b.id, country: b.country, market: b.market, title: b.title, authority: b.authority, url: b.url, changedOn: b.changedOn,
            summary: b.summary, ruleIds: b.ruleIds), by: p)
        let today = LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone)
        return try JSONIO.response(RegulationDTO(reg, today: today), status: .created, location: "/api/v1/regulations/\(reg.id)")
    }

    func lag(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try c.requirePrincipal()
        return try JSONIO.response(RegulationLagDTO(try await services.regulations.lagStats()))
    }

    func risks(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try c.requirePrincipal()
        let q = Query(request: r)
        let page = try await services.regulations.riskPage(limit: try q.int("limit", in: 1...500), after: q.string("after"))
        return try JSONIO.response(ListDTO(data: page.items.map(CountryRiskDTO.init), next: page.next))
    }

    func risk(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try c.requirePrincipal()
        return try JSONIO.response(CountryRiskDTO(try await services.regulations.risk(try c.parameters.require("country"))))
    }

    struct AssessBody: Decodable {
        let level: String?, basis: String?, measuresEn: String?, measuresZh: String?
        static let keys: Set<String> = ["level", "basis", "measuresEn", "measuresZh"]
    }

    func assess(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(AssessBody.self, r, c, allowedKeys: AssessBody.keys)
        return try JSONIO.response(CountryRiskDTO(try await services.regulations.assess(
            try c.parameters.require("country"), level: b.level, basis: b.basis, measuresEn: b.measuresEn, measuresZh: b.measuresZh, by: p)))
    }
}

struct CatalogueSummaryDTO: Encodable {
    struct Count: Encodable { let market: String; let category: String; let rules: Int }
    let version: Int
    let hash: String
    /// Hash of the rules in force today on this instance (entries with a future effective date excluded).
    let installed: String
    let rules: Int
    let counts: [Count]
    init(number: Int, catalogue: Catalogue, installed: String) {
        version = number; hash = catalogue.version; self.installed = installed; rules = catalogue.entries.count
        var n: [String: Int] = [:]
        for e in catalogue.entries { n["\(e.market.rawValue)|\(e.category.rawValue)", default: 0] += 1 }
        counts = n.keys.sorted().map { k in
            let parts = k.split(separator: "|").map(String.init)
            return Count(market: parts[0], category: parts[1], rules: n[k]!)
        }
    }
}

struct CatalogueVersionDTO: Encodable {
    let version: Int, hash: String, summary: String, createdBy: String, createdAt: String
    @ExplicitNull var changeId: String?
    init(_ v: CatalogueService.VersionInfo) {
        version = v.version; hash = v.hash; summary = v.summary; createdBy = v.createdBy; createdAt = v.createdAt.rfc3339; changeId = v.changeId
    }
}

struct CatalogueOpDTO: Encodable {
    let op: String
    let ruleId: String
    let rule: CatalogueRuleInput?
    init(_ o: CatalogueOp) {
        switch o {
        case .upsert(let e): op = "upsert"; ruleId = e.id; rule = CatalogueRuleInput(e)
        case .delete(let id): op = "delete"; ruleId = id; rule = nil
        }
    }
}

struct CatalogueChangeDTO: Encodable {
    let id: String, status: String, summary: String, ops: [CatalogueOpDTO], regulationIds: [String], proposedBy: String, proposedAt: String
    @ExplicitNull var decidedBy: String?
    @ExplicitNull var decidedAt: String?
    @ExplicitNull var decisionReason: String?
    @ExplicitNull var resultVersion: Int?
    init(_ c: CatalogueChange) {
        id = c.id.rawValue; status = c.status.rawValue; summary = c.summary; ops = c.ops.map(CatalogueOpDTO.init); regulationIds = c.regulationIds
        proposedBy = c.proposedBy; proposedAt = c.proposedAt.rfc3339; decidedBy = c.decidedBy; decidedAt = c.decidedAt?.rfc3339
        decisionReason = c.decisionReason; resultVersion = c.resultVersion
    }
}

struct RescreenJobDTO: Encodable {
    let id: String, market: String, catalogueVersion: String, reason: String, status: String
    let total: Int, processed: Int, changed: Int, casesOpened: Int, percent: Int, createdAt: String
    @ExplicitNull var error: String?
    @ExplicitNull var startedAt: String?
    @ExplicitNull var finishedAt: String?
    init(_ j: RescreenJob) {
        id = j.id.rawValue; market = j.market.rawValue; catalogueVersion = j.catalogueVersion; reason = j.reason; status = j.status.rawValue
        total = j.total; processed = j.processed; changed = j.changed; casesOpened = j.casesOpened; percent = j.percent
        createdAt = j.createdAt.rfc3339; error = j.error; startedAt = j.startedAt?.rfc3339; finishedAt = j.finishedAt?.rfc3339
    }
}

struct ApprovalDTO: Encodable {
    let change: CatalogueChangeDTO
    let jobs: [RescreenJobDTO]
}

struct RegulationDTO: Encodable {
    let id: String, country: String, market: String, title: String, authority: String, url: String, changedOn: String
    let summary: String, ruleIds: [String], dueOn: String, state: String
    @ExplicitNull var catalogueUpdatedOn: String?
    @ExplicitNull var changeId: String?
    @ExplicitNull var lagWorkingDays: Int?
    init(_ r: Regulation, today: LocalDate) {
        id = r.id; country = r.country; market = r.market.rawValue; title = r.title; authority = r.authority; url = r.url
        changedOn = r.changedOn.description; summary = r.summary; ruleIds = r.ruleIds; dueOn = r.dueOn.description
        state = r.state(today: today).rawValue; catalogueUpdatedOn = r.catalogueUpdatedOn?.description; changeId = r.changeId
        lagWorkingDays = r.lagWorkingDays
    }
}

struct RegulationLagDTO: Encodable {
    let slaWorkingDays: Int, measured: Int, withinSla: Int, pending: Int, overdue: Int
    @ExplicitNull var medianLagWorkingDays: Int?
    @ExplicitNull var maxLagWorkingDays: Int?
    init(_ s: RegulationLagStats) {
        slaWorkingDays = Regulation.slaWorkingDays; measured = s.measured; withinSla = s.withinSLA; pending = s.pending; overdue = s.overdue
        medianLagWorkingDays = s.medianLagWorkingDays; maxLagWorkingDays = s.maxLagWorkingDays
    }
}

struct CountryRiskDTO: Encodable {
    let country: String, nameEn: String, nameZh: String, level: String, assessedOn: String, basis: String
    let measuresEn: String, measuresZh: String, updatedBy: String, updatedAt: String
    init(_ r: CountryRisk) {
        country = r.country; nameEn = r.nameEn; nameZh = r.nameZh; level = r.level.rawValue; assessedOn = r.assessedOn.description
        basis = r.basis; measuresEn = r.measuresEn; measuresZh = r.measuresZh; updatedBy = r.updatedBy; updatedAt = r.updatedAt.rfc3339
    }
}
