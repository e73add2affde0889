import Compliance
import Foundation
import Hummingbird
import Kernel
import Parties

/// Regulation database per market (CMP6) with the catalogue's lag in working days, and country political risk
/// with response measures in the page language (CMP9).
struct RegulationsPage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("regulations", use: show)
        console.post("regulations", use: record)
        console.post("regulations/risks/:country", use: assess)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let q = Query(request: r)
        let today = routes.today
        let market = try CatalogueAPI.market(q)
        let stateFilter = try q.enumValue("state", Regulation.State.self)
        let text = q.formText("q")?.lowercased()
        let mayEdit = p.can(.regulationsEdit)
        let lag = try await services.regulations.lagStats()
        let lagTiles = RegulationsPageModel.Lag(
            sla: Regulation.slaWorkingDays, measured: lag.measured, withinSLA: lag.withinSLA, pending: lag.pending,
            overdue: lag.overdue, hasOverdue: lag.overdue > 0,
            rate: lag.measured == 0 ? "—" : String(format: "%.0f %%", Double(lag.withinSLA) * 100 / Double(lag.measured)),
            median: lag.medianLagWorkingDays.map(String.init) ?? "—", max: lag.maxLagWorkingDays.map(String.init) ?? "—",
            maxLate: (lag.maxLagWorkingDays ?? 0) > Regulation.slaWorkingDays)

        var rows: [RegulationsPageModel.Row] = []
        var stateCounts: [Regulation.State: Int] = [:]
        for reg in try await services.regulations.list(market: market) {
            let state = reg.state(today: today)
            stateCounts[state, default: 0] += 1
            if let stateFilter, state != stateFilter { continue }
            if let text, ![reg.id, reg.title, reg.authority, reg.country, reg.summary, reg.ruleIds.joined(separator: " ")]
                .joined(separator: " ").lowercased().contains(text) { continue }
            let open = reg.catalogueUpdatedOn == nil
            let daysLeft = open ? ChineseWorkingDayCalendar.official.workingDays(from: today, to: reg.dueOn) : 0
            rows.append(.init(
                id: reg.id, country: reg.country, market: reg.market.rawValue, marketLabel: reg.market.label(lang),
                title: reg.title, authority: reg.authority, url: reg.url, summary: reg.summary,
                changedOn: reg.changedOn.description, dueOn: reg.dueOn.description,
                state: state.rawValue, stateLabel: Self.t("reg.\(state.rawValue)", lang),
                lag: reg.lagWorkingDays.map(String.init) ?? "—", lagLate: (reg.lagWorkingDays ?? 0) > Regulation.slaWorkingDays,
                updatedOn: reg.catalogueUpdatedOn?.description ?? "—", changeId: reg.changeId ?? "",
                hasChange: reg.changeId != nil && reg.changeId != "bundled",
                ruleIds: reg.ruleIds.joined(separator: ", "), hasRules: !reg.ruleIds.isEmpty,
                isOpen: open, isPending: state == .pending, workingDaysLeft: daysLeft, overdue: state == .overdue,
                sortKeys: ["changed": reg.changedOn.description, "due": reg.dueOn.description, "market": reg.market.rawValue + reg.country,
                           "state": ["overdue": "0", "pending": "1", "late": "2", "met": "3", "baseline": "4"][state.rawValue, default: "5"],
                           "lag": ConsoleTable.pad(reg.lagWorkingDays ?? -1), "title": reg.title.lowercased()]))
        }
        let table = ConsoleTable(r, default: "state", allowed: ["changed", "due", "market", "state", "lag", "title"])
        // The regulation database is reference data (a few hundred rows, read whole and sorted here by its working-day
        // states); the export takes the same filtered, sorted rows (issue 12 item 6).
        if let format = try ConsoleList.format(r) {
            var export = ExportTable(name: "regulations", headers: [
                "ID", Self.t("country", lang), Self.t("market", lang), Self.t("regulationTitle", lang), Self.t("authority", lang),
                Self.t("changedOn", lang), Self.t("dueOn", lang), Self.t("status", lang), Self.t("lagWorkingDays", lang), Self.t("ruleIds", lang),
            ])
            export.rows = table.apply(rows).map { [$0.id, $0.country, $0.marketLabel, $0.title, $0.authority, $0.changedOn, $0.dueOn,
                                                   $0.stateLabel, $0.lag, $0.ruleIds] }
            return try ConsoleList.download(export, format, routes: routes)
        }

        // Country risk, its own sort parameters so both tables keep their order.
        let levelFilter = try q.enumValue("level", CountryRisk.Level.self)
        var actors: [String: String] = [:]
        var risks: [RegulationsPageModel.Risk] = []
        for risk in try await services.regulations.risks() {
            if let levelFilter, risk.level != levelFilter { continue }
            risks.append(.init(
                country: risk.country, name: lang == .zh ? risk.nameZh : risk.nameEn, otherName: lang == .zh ? risk.nameEn : risk.nameZh,
                level: risk.level.rawValue, levelLabel: risk.level.label(lang), assessedOn: risk.assessedOn.description,
                basis: risk.basis, measures: lang == .zh ? risk.measuresZh : risk.measuresEn,
                measuresEn: risk.measuresEn, measuresZh: risk.measuresZh,
                updatedBy: await routes.actorName(risk.updatedBy, by: p, cache: &actors),
                levels: CountryRisk.Level.allCases.map { Option(value: $0.rawValue, label: $0.label(lang), selected: $0 == risk.level) },
                sortKeys: ["country": risk.country, "name": (lang == .zh ? risk.nameZh : risk.nameEn).lowercased(),
                           "level": String(CountryRisk.Level.allCases.firstIndex(of: risk.level) ?? 0), "assessed": risk.assessedOn.description]))
        }
        let riskTable = ConsoleTable(r, default: "level", descending: true, sortParam: "rsort", dirParam: "rdir",
                                     allowed: ["country", "name", "level", "assessed"])
        let model = RegulationsPageModel(
            lag: lagTiles, rows: table.apply(rows), count: rows.count,
            headers: table.headers([
                .init("title", Self.t("regulation", lang)), .init("market", Self.t("market", lang)), .init("changed", Self.t("changedOn", lang)),
                .init("due", Self.t("dueOn", lang)), .init("state", Self.t("status", lang)), .init("lag", Self.t("lagWorkingDays", lang)),
            ]),
            markets: Market.allCases.map { Option(value: $0.rawValue, label: $0.label(lang), selected: $0 == market) },
            states: Regulation.State.allCases.map {
                CountedOption(value: $0.rawValue, label: Self.t("reg.\($0.rawValue)", lang), selected: $0 == stateFilter, count: stateCounts[$0] ?? 0)
            },
            q: q.formText("q") ?? "", today: today.description,
            risks: riskTable.apply(risks), riskCount: risks.count,
            riskHeaders: riskTable.headers([
                .init("country", Self.t("countryCode", lang)), .init("name", Self.t("country", lang)), .init("level", Self.t("riskLevel", lang)),
                .init("assessed", Self.t("assessedOn", lang)), .init("measures", Self.t("measures", lang), sortable: false),
            ]),
            levels: CountryRisk.Level.allCases.map { Option(value: $0.rawValue, label: $0.label(lang), selected: $0 == levelFilter) },
            mayEdit: mayEdit, slaWorkingDays: Regulation.slaWorkingDays,
            pager: ConsoleList.pager(r, Page(items: rows, next: nil, total: rows.count), lang))
        return routes.page(model, c, r)
    }

    func record(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        func value(_ k: String) -> String? { f[k].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) } }
        let rules = (f["ruleIds"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\r" }).map(String.init)
        return try await routes.command(c, back: "/console/regulations", ok: { lang in
            lang == .zh ? "已登记法规变更；规则库须在 \(Regulation.slaWorkingDays) 个工作日内更新。"
                        : "Regulation change recorded; the catalogue is due within \(Regulation.slaWorkingDays) working days."
        }) {
            _ = try await services.regulations.record(RegulationInput(
                id: value("id"), country: value("country"), market: value("market"), title: value("title"), authority: value("authority"),
                url: value("url"), changedOn: value("changedOn"), summary: value("summary"), ruleIds: rules), by: s.principal)
        }
    }

    func assess(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let country = try c.parameters.require("country")
        let f = try await routes.form(r, c)
        return try await routes.command(c, back: "/console/regulations#risk-h", ok: { lang in
            lang == .zh ? "已更新 \(country) 的国别风险评估。" : "Country risk for \(country) re-assessed."
        }) {
            _ = try await services.regulations.assess(country, level: f["level"], basis: f["basis"], measuresEn: f["measuresEn"],
                                                      measuresZh: f["measuresZh"], by: s.principal)
        }
    }
}

struct RegulationsPageModel: PageModel {
    static let template = "regulations"
    struct Lag: Sendable {
        let sla: Int
        let measured: Int
        let withinSLA: Int
        let pending: Int
        let overdue: Int
        let hasOverdue: Bool
        let rate: String
        let median: String
        let max: String
        let maxLate: Bool
    }

    struct Row: SortableRow, Sendable {
        let id: String
        let country: String
        let market: String
        let marketLabel: String
        let title: String
        let authority: String
        let url: String
        let summary: String
        let changedOn: String
        let dueOn: String
        let state: String
        let stateLabel: String
        let lag: String
        let lagLate: Bool
        let updatedOn: String
        let changeId: String
        let hasChange: Bool
        let ruleIds: String
        let hasRules: Bool
        let isOpen: Bool
        let isPending: Bool
        let workingDaysLeft: Int
        let overdue: Bool
        let sortKeys: [String: String]
    }

    struct Risk: SortableRow, Sendable {
        let country: String
        let name: String
        let otherName: String
        let level: String
        let levelLabel: String
        let assessedOn: String
        let basis: String
        let measures: String
        let measuresEn: String
        let measuresZh: String
        let updatedBy: String
        /// The re-assessment form's levels, this country's selected (shadows the page's filter levels in the row).
        let levels: [Option]
        let sortKeys: [String: String]
    }

    let lag: Lag
    let rows: [Row]
    let count: Int
    let headers: [ConsoleTable.Header]
    let markets: [Option]
    let states: [CountedOption]
    let q: String
    let today: String
    let risks: [Risk]
    let riskCount: Int
    let riskHeaders: [ConsoleTable.Header]
    let levels: [Option]
    let mayEdit: Bool
    let slaWorkingDays: Int
    /// Row count and export links (issue 12 item 6).
    let pager: ConsoleList.Pager
}
