import Compliance
import Foundation
import Hummingbird
import Kernel
import NIOCore
import Parties

/// The rule catalogue (CMP1): current version by market × category, pending four-eyes changes, CSV/YAML import
/// and export, version history and the re-screen jobs an approval starts (with live progress).
struct CataloguePage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("catalogue", use: show)
        console.get("catalogue/jobs.json", use: jobsJSON)
        console.get("catalogue/export.csv", use: { r, c in try await export(r, c, .csv) })
        console.get("catalogue/export.yaml", use: { r, c in try await export(r, c, .yaml) })
        console.post("catalogue/import", use: importFile)
        console.post("catalogue/rescreen", use: rescreen)
        console.post("catalogue/changes/:id/:action", use: decide)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try await render(r, c, importState: nil)
    }

    /// What an import that was refused sends back: the pasted text, and each bad row with its line, column and problem.
    struct ImportState {
        let content: String
        let format: String
        let replace: Bool
        let summary: String
        let rows: [CataloguePageModel.ImportError]
        let general: String?
    }

    func render(_ r: Request, _ c: AppRequestContext, importState: ImportState?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let q = Query(request: r)
        let (number, catalogue) = try await services.catalogue.current()

        // Summary: rules per market × category, and a bar chart per market.
        var counts: [String: Int] = [:]
        var perMarket: [Market: Int] = [:]
        for e in catalogue.entries {
            counts["\(e.market.rawValue)|\(e.category.rawValue)", default: 0] += 1
            perMarket[e.market, default: 0] += 1
        }
        let categories = RuleCategory.allCases.filter { cat in catalogue.entries.contains { $0.category == cat } }
        let day = routes.today.description
        let operatorSide = p.merchantId == nil
        let mayEdit = p.can(.catalogueEdit)
        var model = CataloguePageModel(
            categories: categories.map { .init(key: $0.rawValue, label: Self.t("category.\($0.rawValue)", lang)) },
            matrix: Market.allCases.filter { perMarket[$0] != nil }.map { m in
                .init(market: m.rawValue, label: m.label(lang), total: perMarket[m] ?? 0,
                      cells: categories.map { cat in
                          let n = counts["\(m.rawValue)|\(cat.rawValue)"] ?? 0
                          return .init(count: n, zero: n == 0, category: cat.rawValue)
                      })
            },
            categoryTotals: categories.map { cat in .init(count: catalogue.entries.filter { $0.category == cat }.count) },
            chart: BarChart.svg(Market.allCases.filter { perMarket[$0] != nil }.map { ($0.rawValue, perMarket[$0] ?? 0) },
                                title: Self.t("rulesPerMarket", lang)),
            summary: .init(version: number, hash: String(catalogue.version.prefix(16)), installed: String(services.screening.installedVersion.prefix(16)),
                           rules: catalogue.entries.count, future: catalogue.entries.filter { !$0.effectiveFrom.isEmpty && $0.effectiveFrom > day }.count,
                           allowPhrases: catalogue.allowPhrases.count),
            markets: Market.allCases.map { Choice(value: $0.rawValue, label: $0.label(lang)) },
            destinations: Market.destinations.map { Choice(value: $0.rawValue, label: $0.label(lang)) },
            operatorSide: operatorSide, mayEdit: mayEdit, mayBrowse: p.can(.catalogueRead) ? true : nil)
        if let importState {
            model.importContent = importState.content
            model.importYaml = importState.format == "yaml" ? true : nil
            model.importReplace = importState.replace ? true : nil
            model.importSummary = importState.summary
            model.importErrors = importState.rows.isEmpty ? nil : importState.rows
            model.hasImportErrors = importState.rows.isEmpty ? nil : true
            model.importGeneral = importState.general
        }
        if operatorSide {
            var actors: [String: String] = [:]
            let status: CatalogueChange.Status?
            switch q.string("status") {
            case nil: status = .pending
            case "all": status = nil
            default: status = try q.enumValue("status", CatalogueChange.Status.self)
            }
            // Sorted, searched and paged in SQL (issue 12 item 6).
            let changePage = try await services.catalogue.searchChanges(status: status, ConsoleList.request(r, search: "cq"), by: p)
            let changes = changePage.items
            var rows: [CataloguePageModel.Change] = []
            for ch in changes {
                // Four-eyes is about people: the proposer is compared as the service compares them (issue 12 item 7).
                let mine = ch.proposedBy == p.personId
                rows.append(.init(
                    id: ch.id.rawValue, summary: ch.summary, status: ch.status.rawValue,
                    statusLabel: Self.t("change.\(ch.status.rawValue)", lang), opsCount: ch.ops.count,
                    ops: ch.ops.prefix(50).map { op in
                        switch op {
                        case .upsert(let e): .init(op: "upsert", opLabel: Self.t("op.upsert", lang), ruleId: e.id, detail: "\(e.market.rawValue) · \(e.category.rawValue) · \(e.term)")
                        case .delete(let id): .init(op: "delete", opLabel: Self.t("op.delete", lang), ruleId: id, detail: "")
                        }
                    },
                    moreOps: ch.ops.count > 50, moreCount: max(0, ch.ops.count - 50),
                    regulationIds: ch.regulationIds.joined(separator: ", "), hasRegulations: !ch.regulationIds.isEmpty,
                    proposedBy: await routes.actorName(ch.proposedBy, by: p, cache: &actors), mine: mine,
                    proposedAt: routes.date(ch.proposedAt, lang),
                    decidedBy: await routes.actorName(ch.decidedBy, by: p, cache: &actors), decidedAt: routes.date(ch.decidedAt, lang),
                    decisionReason: ch.decisionReason ?? "", hasDecision: ch.decidedAt != nil,
                    resultVersion: ch.resultVersion.map(String.init) ?? "", hasResultVersion: ch.resultVersion != nil,
                    canDecide: services.catalogue.mayDecide(ch, by: p),
                    waiting: mine && mayEdit && ch.status == .pending, href: "/console/catalogue/changes/\(ch.id.rawValue)",
                    confirmApprove: LocalizedText(
                        en: "Approve the change “\(ch.summary)”? A new catalogue version goes live at once and the live listings of its markets are screened again.",
                        zh: "批准变更“\(ch.summary)”？新版规则目录将立即生效，相关市场的在售商品将重新筛查。")(lang),
                    confirmReject: LocalizedText(
                        en: "Reject the change “\(ch.summary)”? It cannot be approved afterwards; it would have to be proposed again.",
                        zh: "驳回变更“\(ch.summary)”？驳回后不能再批准，须重新提交。")(lang)))
            }
            let table = ConsoleTable(r, default: "proposed", descending: true, allowed: Set(CatalogueService.changeSorts))
            model.changes = rows
            model.changeCount = changePage.total ?? rows.count
            model.pager = ConsoleList.pager(r, changePage, lang)
            model.changeQuery = Query(request: r).formText("cq") ?? ""
            model.changeHeaders = table.headers([
                .init("summary", Self.t("changeSummary", lang)), .init("ops", Self.t("operationsColumn", lang), sortable: false),
                .init("proposed", Self.t("proposedBy", lang)), .init("status", Self.t("status", lang)),
                .init("actions", Self.t("actions", lang), sortable: false),
            ])
            let statusValue = q.string("status") ?? "pending"
            model.changeStatuses = CatalogueChange.Status.allCases.map {
                Option(value: $0.rawValue, label: Self.t("change.\($0.rawValue)", lang), selected: $0.rawValue == statusValue)
            }
            model.allSelected = statusValue == "all"

            let versions = try await services.catalogue.versions(limit: 30, by: p)
            var versionRows: [CataloguePageModel.Version] = []
            for v in versions {
                versionRows.append(.init(version: v.version, hash: String(v.hash.prefix(12)), summary: v.summary,
                                         changeId: v.changeId ?? "—", createdBy: await routes.actorName(v.createdBy, by: p, cache: &actors),
                                         createdAt: routes.date(v.createdAt, lang), current: v.version == number))
            }
            model.versions = versionRows
            let jobs = try await services.rescreens.list(limit: 20, by: p)
            model.jobs = jobs.map { jobRow($0, lang) }
            model.jobsActive = jobs.contains { $0.status == .queued || $0.status == .running }
        }
        return routes.page(model, c, r, status: status)
    }

    func jobRow(_ j: RescreenJob, _ lang: Language) -> CataloguePageModel.Job {
        .init(id: j.id.rawValue, market: j.market.rawValue, marketLabel: j.market.label(lang), status: j.status.rawValue,
              statusLabel: Self.t("job.\(j.status.rawValue)", lang), percent: j.percent, processed: j.processed, total: j.total,
              changed: j.changed, casesOpened: j.casesOpened, reason: j.reason, createdAt: routes.date(j.createdAt, lang),
              finishedAt: routes.date(j.finishedAt, lang), error: j.error ?? "", hasError: j.error != nil,
              active: j.status == .queued || j.status == .running)
    }

    struct JobJSON: Encodable {
        let id: String, market: String, status: String, statusLabel: String, percent: Int, processed: Int, total: Int
        let changed: Int, casesOpened: Int, finishedAt: String
    }

    struct JobsJSON: Encodable {
        let active: Bool
        let jobs: [JobJSON]
    }

    /// Polled by the page while a re-screen is queued or running.
    func jobsJSON(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let jobs = try await services.rescreens.list(limit: 20, by: s.principal)
        let body = JobsJSON(active: jobs.contains { $0.status == .queued || $0.status == .running }, jobs: jobs.map {
            JobJSON(id: $0.id.rawValue, market: $0.market.rawValue, status: $0.status.rawValue, statusLabel: Self.t("job.\($0.status.rawValue)", c.language),
                    percent: $0.percent, processed: $0.processed, total: $0.total, changed: $0.changed, casesOpened: $0.casesOpened,
                    finishedAt: routes.date($0.finishedAt, c.language))
        })
        var response = try JSONIO.response(body)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The approved catalogue as a file (the API needs a bearer token; the console uses its session).
    func export(_ r: Request, _ c: AppRequestContext, _ format: CatalogueService.Format) async throws -> Response {
        _ = try routes.session(c)
        let market = try CatalogueAPI.market(Query(request: r))
        let text = try await services.catalogue.export(format: format, market: market)
        var headers = HTTPFields()
        headers[.contentType] = format == .csv ? "text/csv; charset=utf-8" : "application/yaml; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"catalogue\(market.map { "-" + $0.rawValue } ?? "").\(format.rawValue)\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func importFile(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        let format = CatalogueService.Format(rawValue: f["format"] ?? "")
        let replace = f["mode"] == "replace"
        let content = (f["content"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        let summary = f["summary"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let lang = c.language
        // Anything refused comes back on the page with the pasted text kept, never an emptied textarea.
        func refused(_ rows: [CataloguePageModel.ImportError], _ general: String?) async throws -> Response {
            try await render(r, c, importState: ImportState(content: content, format: f["format"] ?? "csv", replace: replace, summary: summary ?? "",
                                                            rows: rows, general: general), status: .unprocessableContent)
        }
        do {
            var v = Validator()
            if format == nil { v.fail("format", "invalid", en: "Choose CSV or YAML.", zh: "请选择 CSV 或 YAML。") }
            if content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                v.fail("content", "required", en: "Choose a file or paste its content.", zh: "请选择文件或粘贴文件内容。")
            }
            try v.finish()
            do { _ = try CatalogueService.parse(content, format: format!) } catch let e as CatalogueCSV.RowError {
                let lines = content.components(separatedBy: "\n")
                return try await refused(e.all.prefix(100).map { row in
                    .init(line: row.line, column: CatalogueCSV.columnLabel(row.column)(lang), message: row.text(lang),
                          text: format == .csv && row.line >= 1 && row.line <= lines.count ? String(lines[row.line - 1].prefix(300)) : "")
                }, nil)
            }
            _ = try await services.catalogue.importFile(content, format: format!, replace: replace, summary: summary, by: s.principal)
        } catch let e as any AppError where e.kind != .forbidden {
            let detail = e.fieldErrors.isEmpty ? e.detail(lang) : e.fieldErrors.map { $0.message(lang) }.joined(separator: " ")
            return try await refused([], detail)
        }
        return routes.redirect("/console/catalogue", flash: Flash(message: lang == .zh ? "已提交导入变更，等待另一位合规人员审批。" : "Import proposed; a second officer must approve it.",
                                                                 isError: false))
    }

    func rescreen(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        let markets = f["market"].flatMap { $0.isEmpty ? nil : [$0] }
        return try await routes.command(c, back: "/console/catalogue", ok: { lang in
            lang == .zh ? "已排队重新筛查。" : "Re-screen queued."
        }) {
            _ = try await services.rescreens.enqueue(markets: markets, reason: f["reason"], by: s.principal)
        }
    }

    func decide(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        let action = try c.parameters.require("action")
        let f = try await routes.form(r, c)
        let reason = f["reason"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        let back = f["back"] == "change" ? "/console/catalogue/changes/\(id.addingPercentEncoding(withAllowedCharacters: CatalogueRulesPage.pathSafe) ?? "")"
            : "/console/catalogue" + (f["return"].flatMap { $0.hasPrefix("?") ? $0 : nil } ?? "")
        return try await routes.command(c, back: back, ok: { lang in
            action == "approve" ? (lang == .zh ? "已批准变更 \(id)，已排队重新筛查受影响市场。" : "Change \(id) approved; affected markets queued for re-screening.")
                                : (lang == .zh ? "已驳回变更 \(id)。" : "Change \(id) rejected.")
        }) {
            switch action {
            case "approve": _ = try await services.catalogue.approve(id, reason: reason, by: s.principal)
            case "reject": _ = try await services.catalogue.reject(id, reason: reason, by: s.principal)
            default: throw CommonError.notFound(entity: "action", id: action)
            }
        }
    }
}

struct CataloguePageModel: PageModel {
    static let template = "catalogue"
    struct Category: Sendable {
        let key: String
        let label: String
    }

    struct Cell: Sendable {
        let count: Int
        let zero: Bool
        let category: String
    }

    struct MarketRow: Sendable {
        let market: String
        let label: String
        let total: Int
        let cells: [Cell]
    }

    struct Total: Sendable {
        let count: Int
    }

    struct Summary: Sendable {
        let version: Int
        let hash: String
        let installed: String
        let rules: Int
        let future: Int
        let allowPhrases: Int
    }

    struct Op: Sendable {
        let op: String
        let opLabel: String
        let ruleId: String
        let detail: String
    }

    struct Change: Sendable {
        let id: String
        let summary: String
        let status: String
        let statusLabel: String
        let opsCount: Int
        let ops: [Op]
        let moreOps: Bool
        let moreCount: Int
        let regulationIds: String
        let hasRegulations: Bool
        let proposedBy: String
        let mine: Bool
        let proposedAt: String
        let decidedBy: String
        let decidedAt: String
        let decisionReason: String
        let hasDecision: Bool
        let resultVersion: String
        let hasResultVersion: Bool
        let canDecide: Bool
        /// The proposer sees this instead of buttons that would refuse.
        let waiting: Bool
        let href: String
        /// Asked before the decision is sent (issue 12 item 1).
        let confirmApprove: String
        let confirmReject: String
    }

    struct ImportError: Sendable {
        let line: Int
        let column: String
        let message: String
        let text: String
    }

    struct Version: Sendable {
        let version: Int
        let hash: String
        let summary: String
        let changeId: String
        let createdBy: String
        let createdAt: String
        let current: Bool
    }

    struct Job: Sendable {
        let id: String
        let market: String
        let marketLabel: String
        let status: String
        let statusLabel: String
        let percent: Int
        let processed: Int
        let total: Int
        let changed: Int
        let casesOpened: Int
        let reason: String
        let createdAt: String
        let finishedAt: String
        let error: String
        let hasError: Bool
        let active: Bool
    }

    let categories: [Category]
    let matrix: [MarketRow]
    let categoryTotals: [Total]
    let chart: String
    let summary: Summary
    let markets: [Choice]
    let destinations: [Choice]
    let operatorSide: Bool
    let mayEdit: Bool
    let mayBrowse: Bool?
    /// A refused import: the text kept, each bad row named (issue 12 item 7).
    var importContent: String?
    var importYaml: Bool?
    var importReplace: Bool?
    var importSummary: String?
    var importErrors: [ImportError]?
    var hasImportErrors: Bool?
    var importGeneral: String?
    /// Four-eyes changes, versions and re-screen jobs: operators only.
    var changes: [Change]?
    var changeCount: Int?
    /// "N of M" and the next and first page of changes (issue 12 item 6).
    var pager: ConsoleList.Pager?
    /// The change list's search box (`cq`, apart from any rule search).
    var changeQuery: String?
    var changeHeaders: [ConsoleTable.Header]?
    var changeStatuses: [Option]?
    var allSelected: Bool?
    var versions: [Version]?
    var jobs: [Job]?
    var jobsActive: Bool?
}
