import Compliance
import Foundation
import Hummingbird
import Kernel
import Parties

/// The 24 h takedown queue (CMP3): open cases first with a live countdown, the offending spans highlighted,
/// and the officer's decision (take down, clear, request a change) with a required reason. KPI tiles on top.
struct TakedownsPage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("takedowns", use: show)
        console.post("takedowns/bulk", use: bulk)
        console.post("takedowns/:id/:action", use: act)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let q = Query(request: r)
        let (filter, request) = try await listQuery(r, by: p)
        let status = filter.status, trigger = filter.trigger
        let now = services.clock.now()
        if let format = try ConsoleList.format(r) { return try await export(filter, request, format, lang: lang, by: p) }
        let page = try await services.takedowns.search(filter, request, by: p)
        let cases = page.items
        let mayModerate = p.can(.takedownsDecide)
        var kpi: TakedownsPageModel.KPI?
        if p.merchantId == nil {
            let tz = ChineseWorkingDayCalendar.official.timeZone
            let today = routes.today
            let first = try LocalDate(year: today.year, month: today.month, day: 1)
            let st = try await services.takedowns.stats(from: first.startOfDay(in: tz), to: today.adding(days: 1).startOfDay(in: tz))
            kpi = .init(
                period: "\(first) – \(today)",
                opened: st.opened, resolvedInTime: st.resolvedInTime, breached: st.breached, open: st.open,
                onTimeRate: st.onTimeRate.map { String(format: "%.1f %%", $0 * 100) } ?? "—",
                rateBad: (st.onTimeRate ?? 1) < 1, hasBreaches: st.breached > 0,
                median: st.medianResolutionMinutes.map { Self.minutes($0, lang) } ?? "—")
        }

        var listings: [String: Listing] = [:]
        var names = await routes.merchantNames(by: p)
        var actors: [String: String] = [:]
        var rows: [TakedownsPageModel.Row] = []
        for k in cases {
            if listings[k.listingId.rawValue] == nil, let l = try? await services.listings.get(k.listingId, by: p) { listings[k.listingId.rawValue] = l }
            let l = listings[k.listingId.rawValue]
            // The findings' offsets refer to the listing version the case was opened on.
            var content = l?.content
            if let l, l.version != k.listingVersion,
               let v = try? await services.listings.versions(l.id, by: p).first(where: { $0.version == k.listingVersion }) {
                content = v.content
            }
            let findings = k.findings.map(\.finding)
            let descriptionFindings = findings.filter { $0.field == "description" }
            let remaining = k.sla.remaining(at: now)
            let isOpen = k.status == .open
            let sla = k.sla.state(at: now)
            if names[k.merchantId.rawValue] == nil { names[k.merchantId.rawValue] = k.merchantId.rawValue }
            var seen = Set<String>()
            let shown = k.findings.filter { seen.insert("\($0.market)|\($0.finding.ruleId)|\($0.finding.field)|\($0.finding.start)").inserted }
            rows.append(.init(
                id: k.id.rawValue, listingId: k.listingId.rawValue, listingVersion: k.listingVersion,
                merchantId: k.merchantId.rawValue, merchantName: names[k.merchantId.rawValue] ?? k.merchantId.rawValue,
                titleHTML: content.map { ScreeningPage.highlight($0.title, findings.filter { $0.field == "title" }) } ?? BarChart.escape(k.listingId.rawValue),
                hasDescription: content != nil && !descriptionFindings.isEmpty,
                descriptionHTML: content.map { ScreeningPage.highlight($0.description, descriptionFindings) } ?? "",
                listingStatus: l.map { ListingsPage.label($0.status)(lang) } ?? "—", listingStatusKey: l?.status.rawValue ?? "",
                trigger: k.trigger.rawValue, triggerLabel: Self.t("trigger.\(k.trigger.rawValue)", lang),
                ruleIds: k.ruleIds.joined(separator: ", "),
                findings: shown.map { f in
                    .init(market: f.market.rawValue, category: f.finding.category.rawValue, matched: f.finding.matched,
                          hasMatch: !f.finding.matched.isEmpty, field: f.finding.field, ruleId: f.finding.ruleId,
                          reason: f.finding.reason ?? "", hasReason: !(f.finding.reason ?? "").isEmpty)
                },
                openedAt: routes.date(k.openedAt, lang), dueAt: routes.date(k.dueAt, lang), dueISO: k.dueAt.rfc3339,
                isOpen: isOpen, status: k.status.rawValue, statusLabel: Self.t("takedown.\(k.status.rawValue)", lang),
                sla: sla.rawValue, slaLabel: Self.t("sla.\(sla.rawValue)", lang),
                slaClass: isOpen ? Self.slaClass(remaining) : (sla == .met ? "sla-met" : "sla-late"),
                countdown: Self.countdown(remaining, lang), remaining: Int(remaining),
                escalated: k.escalatedAt != nil,
                resolvedAt: routes.date(k.resolvedAt, lang),
                resolvedBy: await routes.actorName(k.resolvedBy, by: p, cache: &actors),
                resolutionReason: k.resolutionReason ?? "", hasResolution: k.resolvedAt != nil,
                canResolve: isOpen && mayModerate,
                confirmTakeDown: LocalizedText(
                    en: "Take down “\(content?.title ?? k.listingId.rawValue)”? It goes off sale at once and the merchant receives penalty points.",
                    zh: "下架“\(content?.title ?? k.listingId.rawValue)”？商品将立即停售，商户将被扣分。")(lang)))
        }
        let table = ConsoleTable(r, default: "due", allowed: Set(TakedownSearch.sorts))
        let openCount = status == nil || status == .open
            ? try await services.takedowns.search(TakedownSearch(status: .open, trigger: trigger), ListRequest(limit: 1), by: p).total ?? 0 : 0
        let model = TakedownsPageModel(
            kpi: kpi, rows: rows, count: page.total ?? rows.count, openCount: openCount,
            headers: table.headers([
                .init("listing", Self.t("listingTitle", lang)), .init("merchant", Self.t("merchant", lang)),
                .init("trigger", Self.t("trigger", lang)), .init("rules", Self.t("ruleIds", lang)),
                .init("due", Self.t("timeLeft", lang)), .init("status", Self.t("status", lang)),
                .init("actions", Self.t("actions", lang), sortable: false),
            ]),
            statuses: TakedownCase.Status.allCases.map { Option(value: $0.rawValue, label: Self.t("takedown.\($0.rawValue)", lang), selected: $0 == status) },
            triggers: TakedownCase.Trigger.allCases.map { Option(value: $0.rawValue, label: Self.t("trigger.\($0.rawValue)", lang), selected: $0 == trigger) },
            q: q.formText("q") ?? "", mayModerate: mayModerate, serverNow: now.rfc3339, returnQuery: r.uri.query.map { "?" + $0 } ?? "",
            pager: ConsoleList.pager(r, page, lang),
            confirmBulkTakeDown: LocalizedText(
                en: "Take down {n} selected listings? Each goes off sale at once and its merchant receives penalty points.",
                zh: "下架所选的 {n} 个商品？各商品将立即停售，相应商户将被扣分。")(lang),
            confirmBulkClear: LocalizedText(
                en: "Clear {n} selected cases? Their listings stay on sale and the cases close.",
                zh: "解除所选的 {n} 个工单？相应商品继续在售，工单将关闭。")(lang))
        return routes.page(model, c, r)
    }

    /// The list's filters and request from the query string; the search also finds merchants by name.
    func listQuery(_ r: Request, by p: Principal) async throws -> (TakedownSearch, ListRequest) {
        let q = Query(request: r)
        let request = ConsoleList.request(r)
        var merchantIds: [String] = []
        if let text = request.searchText, p.merchantId == nil {
            merchantIds = try await services.parties.merchants.list(MerchantListQuery(query: text, limit: 50), by: p).items.map(\.id.rawValue)
        }
        return (TakedownSearch(status: try q.enumValue("status", TakedownCase.Status.self), trigger: try q.enumValue("trigger", TakedownCase.Trigger.self),
                               merchantIds: merchantIds), request)
    }

    /// Every case the filters select (all pages), as CSV or XLSX; a merchant's file holds its own cases only.
    func export(_ filter: TakedownSearch, _ request: ListRequest, _ format: ExportFormat, lang: Language, by p: Principal) async throws -> Response {
        var table = ExportTable(name: "takedowns", headers: [
            "ID", Self.t("listingTitle", lang), Self.t("listing", lang), Self.t("merchant", lang), Self.t("trigger", lang), Self.t("ruleIds", lang),
            Self.t("status", lang), Self.t("opened", lang), Self.t("due", lang), Self.t("resolvedAt", lang), Self.t("reason", lang),
        ])
        var names = await routes.merchantNames(by: p)
        var titles: [String: String] = [:]
        try await ConsoleList.collect(request, into: &table, fetch: { try await services.takedowns.search(filter, $0, by: p) }) { k in
            if titles[k.listingId.rawValue] == nil {
                titles[k.listingId.rawValue] = (try? await services.listings.get(k.listingId, by: p))?.content.title ?? ""
            }
            let merchant = await routes.merchantName(k.merchantId, by: p, cache: &names)
            return [k.id.rawValue, titles[k.listingId.rawValue] ?? "", k.listingId.rawValue, merchant,
                    Self.t("trigger.\(k.trigger.rawValue)", lang), k.ruleIds.joined(separator: ", "), Self.t("takedown.\(k.status.rawValue)", lang),
                    k.openedAt.rfc3339, k.dueAt.rfc3339, k.resolvedAt?.rfc3339 ?? "", k.resolutionReason ?? ""]
        }
        return try ConsoleList.download(table, format, routes: routes)
    }

    /// Take down or clear the selected cases, each through `resolve` (its own transaction, check and audit entry).
    func bulk(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let lang = c.language
        let form = try await BulkAction.form(r, c)
        let action = form.fields["action"] ?? ""
        guard action == "take-down" || action == "clear" else {
            throw ValidationError(field: "action", code: "invalid", en: "action must be take-down or clear.", zh: "action 须为 take-down 或 clear。")
        }
        let back = "/console/takedowns" + (form.fields["return"].flatMap { $0.hasPrefix("?") ? $0 : nil } ?? "")
        let ids: [String]
        do { ids = try BulkAction.checked(form.ids) } catch let e as ValidationError {
            return routes.redirect(back, flash: Flash(message: e.fieldErrors.map { $0.message(lang) }.joined(separator: " "), isError: true))
        }
        let cases = try await services.takedowns.search(TakedownSearch(ids: ids), ListRequest(limit: ids.count), by: s.principal).items
        var titles: [String: String] = [:]
        for k in cases { titles[k.id.rawValue] = (try? await services.listings.get(k.listingId, by: s.principal))?.content.title }
        let outcomes = try await BulkAction.run(ids, lang: lang, name: { titles[$0] ?? $0 }) { id in
            _ = try await services.takedowns.resolve(id, action: action, reason: form.fields["reason"], by: s.principal)
        }
        let model = BulkResultPageModel<TakedownsArea>(action: Self.t(action == "clear" ? "bulkClearSelected" : "bulkTakeDown", lang),
                                                       outcomes: outcomes, backHref: back, lang: lang)
        return routes.page(model, c, r)
    }

    func act(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        let action = try c.parameters.require("action")
        let f = try await routes.form(r, c)
        // Back to the queue with its filters, or to the case's own page (where the decision shows in its timeline).
        let back = f["return"] == "/console/takedowns/\(id)" ? "/console/takedowns/\(id)#timeline"
            : "/console/takedowns" + (f["return"].flatMap { $0.hasPrefix("?") ? $0 : nil } ?? "") + "#case-\(id)"
        return try await routes.command(c, back: back, ok: { lang in
            let what = Self.t("takedown.\(TakedownCase.Action(rawValue: action).map { Self.resultStatus($0).rawValue } ?? action)", lang)
            return lang == .zh ? "下架工单 \(id) 已处理：\(what)。" : "Takedown case \(id): \(what)."
        }) {
            _ = try await services.takedowns.resolve(id, action: action, reason: f["reason"], by: s.principal)
        }
    }

    static func resultStatus(_ a: TakedownCase.Action) -> TakedownCase.Status {
        switch a {
        case .takeDown: .takenDown
        case .clear: .cleared
        case .requestChange: .changesRequested
        }
    }

    /// Red when breached, amber in the last 4 hours.
    static func slaClass(_ remaining: TimeInterval) -> String {
        remaining <= 0 ? "sla-breached" : remaining < 4 * 3600 ? "sla-warning" : "sla-ok"
    }

    /// "Left 5:07:09" / "剩余 5:07:09", or overdue; the page's script keeps it ticking.
    static func countdown(_ remaining: TimeInterval, _ lang: Language) -> String {
        let s = Int(remaining.rounded())
        let a = abs(s)
        let hms = String(format: "%d:%02d:%02d", a / 3600, a % 3600 / 60, a % 60)
        return (s <= 0 ? t("overdueBy", lang) : t("remaining", lang)) + " " + hms
    }

    static func minutes(_ m: Int, _ lang: Language) -> String {
        m >= 60 ? (lang == .zh ? "\(m / 60) 小时 \(m % 60) 分" : "\(m / 60) h \(m % 60) min") : (lang == .zh ? "\(m) 分钟" : "\(m) min")
    }
}

struct TakedownsPageModel: PageModel {
    static let template = "takedowns"
    struct KPI: Sendable {
        let period: String
        let opened: Int
        let resolvedInTime: Int
        let breached: Int
        let open: Int
        let onTimeRate: String
        let rateBad: Bool
        let hasBreaches: Bool
        let median: String
    }

    struct Finding: Sendable {
        let market: String
        let category: String
        let matched: String
        let hasMatch: Bool
        let field: String
        let ruleId: String
        let reason: String
        let hasReason: Bool
    }

    struct Row: Sendable {
        let id: String
        let listingId: String
        let listingVersion: Int
        let merchantId: String
        let merchantName: String
        let titleHTML: String
        let hasDescription: Bool
        let descriptionHTML: String
        let listingStatus: String
        let listingStatusKey: String
        let trigger: String
        let triggerLabel: String
        let ruleIds: String
        let findings: [Finding]
        let openedAt: String
        let dueAt: String
        let dueISO: String
        let isOpen: Bool
        let status: String
        let statusLabel: String
        let sla: String
        let slaLabel: String
        let slaClass: String
        let countdown: String
        let remaining: Int
        let escalated: Bool
        let resolvedAt: String
        let resolvedBy: String
        let resolutionReason: String
        let hasResolution: Bool
        let canResolve: Bool
        /// Asked before the take-down is sent (issue 12 item 1).
        let confirmTakeDown: String
    }

    /// This month's KPI tiles (operators only).
    let kpi: KPI?
    let rows: [Row]
    let count: Int
    let openCount: Int
    let headers: [ConsoleTable.Header]
    let statuses: [Option]
    let triggers: [Option]
    let q: String
    let mayModerate: Bool
    let serverNow: String
    let returnQuery: String
    /// "N of M", next and first page, export links (issue 12 item 6).
    let pager: ConsoleList.Pager
    /// Asked before a bulk action; `{n}` is the number of rows selected.
    let confirmBulkTakeDown: String
    let confirmBulkClear: String
}
