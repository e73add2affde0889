import Compliance
import Foundation
import Hummingbird
import Kernel
import Parties

/// Console queue of listings by state, with the offending spans highlighted and the compliance
/// decisions (clear, reject, take down) one click away (CMP2, CMP3).
struct ListingsPage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("listings", use: show)
        console.post("listings/bulk", use: bulk)
        console.post("listings/:id/:action", use: act)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let q = Query(request: r)
        // `status=all` lists every state (the dashboard's screening links); no status: operators start at their queue.
        let all = q.string("status") == "all"
        let status = all ? nil : try q.enumValue("status", ListingStatus.self) ?? (s.principal.role.isOperator ? .needsReview : nil)
        let filter = ListingFilter(status: status, merchantId: try q.id("merchantId", MerchantID.self),
                                   verdict: try q.enumValue("verdict", Verdict.self), screenedDay: try Self.day(q.string("screened")))
        let lang = c.language
        // Filtered, searched, sorted and paged in SQL (issue 12 item 6).
        let request = ConsoleList.request(r)
        if let format = try ConsoleList.format(r) { return try await export(filter, request, format, lang, by: s.principal) }
        let page = try await services.listings.search(filter, request, by: s.principal)
        let items = page.items
        let table = ConsoleTable(r, default: "updated", allowed: Set(ListingService.sorts))
        var model = ListingsPageModel(
            statuses: [Option(value: "all", label: Self.t("all", lang), selected: all)] + ListingStatus.allCases.filter { $0 != .draft && $0 != .screening }
                .map { Option(value: $0.rawValue, label: Self.label($0)(lang), selected: $0 == status) },
            q: q.string("q") ?? "",
            verdict: filter.verdict?.rawValue, screened: q.string("screened"), merchantId: filter.merchantId?.rawValue,
            mayModerate: s.principal.can(.listingsModerate),
            rows: items.map { l in
                let active = l.findings.filter { $0.finding.disposition == .active }
                // Several rules (market and global) can flag the same words: show each place once.
                var seen = Set<String>()
                let shown = active.filter { seen.insert("\($0.market)|\($0.finding.category)|\($0.finding.field)|\($0.finding.start)").inserted }
                return .init(id: l.id.rawValue, merchantId: l.merchantId.rawValue, title: l.content.title, status: l.status.rawValue, statusLabel: Self.label(l.status)(lang),
                             version: l.version, markets: l.content.markets.map(\.rawValue).joined(separator: ", "),
                             price: l.content.price.description, updatedAt: routes.date(l.updatedAt, lang),
                             titleHTML: ScreeningPage.highlight(l.content.title, active.map(\.finding).filter { $0.field == "title" }),
                             findings: shown.map { .init(market: $0.market.rawValue, category: $0.finding.category.rawValue,
                                                         matched: $0.finding.matched, field: $0.finding.field, ruleId: $0.finding.ruleId) },
                             canClear: l.status == .needsReview, canReject: l.status == .needsReview,
                             canTakeDown: l.status == .active || l.status == .needsReview, reason: l.statusReason ?? "",
                             confirmReject: LocalizedText(en: "Reject “\(l.content.title)”? It will not go on sale.",
                                                          zh: "驳回“\(l.content.title)”？该商品将不会上架。")(lang),
                             confirmTakeDown: LocalizedText(en: "Take down “\(l.content.title)”? It goes off sale at once.",
                                                            zh: "下架“\(l.content.title)”？商品将立即停售。")(lang))
            })
        model.pager = ConsoleList.pager(r, page, lang)
        model.headers = table.headers([
            .init("title", Self.t("listingTitle", lang)), .init("market", Self.t("market", lang), sortable: false),
            .init("findings", Self.t("findingsLabel", lang), sortable: false), .init("status", Self.t("status", lang)),
            .init("actions", Self.t("actions", lang), sortable: false),
        ])
        model.returnQuery = r.uri.query.map { "?" + $0 } ?? ""
        model.confirmBulkReject = LocalizedText(en: "Reject {n} selected listings? They will not go on sale.",
                                                zh: "驳回所选的 {n} 个商品？这些商品将不会上架。")(lang)
        return routes.page(model, c, r)
    }

    /// Every listing the filters select (all pages), as CSV or XLSX; a merchant's file holds its own listings only.
    func export(_ filter: ListingFilter, _ request: ListRequest, _ format: ExportFormat, _ lang: Language, by p: Principal) async throws -> Response {
        var table = ExportTable(name: "listings", headers: ["ID", Self.t("listingTitle", lang), Self.t("merchant", lang), Self.t("market", lang),
                                                            Self.t("status", lang), Self.t("reason", lang)])
        var names = await routes.merchantNames(by: p)
        try await ConsoleList.collect(request, into: &table, fetch: { try await services.listings.search(filter, $0, by: p) }) { l in
            [l.id.rawValue, l.content.title, await routes.merchantName(l.merchantId, by: p, cache: &names), l.content.markets.map(\.rawValue).joined(separator: ", "),
             Self.label(l.status)(lang), l.statusReason ?? ""]
        }
        return try ConsoleList.download(table, format, routes: routes)
    }

    /// Approve (clear) or reject the selected listings in review, each through `moderate` (its own transaction,
    /// permission check and audit entry); the page lists each as done or refused.
    func bulk(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let lang = c.language
        let form = try await BulkAction.form(r, c)
        let action = form.fields["action"] ?? ""
        let target: ListingStatus
        switch action {
        case "clear": target = .active
        case "reject": target = .rejected
        default: throw ValidationError(field: "action", code: "invalid", en: "action must be clear or reject.", zh: "action 须为 clear 或 reject。")
        }
        let back = "/console/listings" + (form.fields["return"].flatMap { $0.hasPrefix("?") ? $0 : nil } ?? "")
        let ids: [String]
        do { ids = try BulkAction.checked(form.ids) } catch let e as ValidationError {
            return routes.redirect(back, flash: Flash(message: e.fieldErrors.map { $0.message(lang) }.joined(separator: " "), isError: true))
        }
        var titles: [String: String] = [:]
        for id in ids {
            if let lid = try? ListingID.field(id, "ids"), let l = try? await services.listings.get(lid, by: s.principal) { titles[id] = l.content.title }
        }
        let outcomes = try await BulkAction.run(ids, lang: lang, name: { titles[$0] ?? $0 }) { id in
            _ = try await services.listings.moderate(try ListingID.field(id, "ids")!, to: target, reason: form.fields["reason"], by: s.principal)
        }
        let model = BulkResultPageModel<ListingsArea>(action: Self.t(action == "clear" ? "bulkApproveSelected" : "bulkRejectSelected", lang),
                                                      outcomes: outcomes, backHref: back, lang: lang)
        return routes.page(model, c, r)
    }

    func act(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        let action = try c.parameters.require("action")
        let f = try await routes.form(r, c)
        let target: ListingStatus
        switch action {
        case "clear": target = .active
        case "reject": target = .rejected
        case "take-down": target = .takenDown
        default: throw CommonError.notFound(entity: "action", id: action)
        }
        // Back to the same filtered page, scrolled to the row just decided (highlighted by :target).
        let back = "/console/listings" + (f["return"].flatMap { $0.hasPrefix("?") ? $0 : nil } ?? "") + "#listing-\(id)"
        return try await routes.command(c, back: back, ok: { lang in
            lang == .zh ? "已处理商品 \(id)：\(Self.label(target)(lang))。" : "Listing \(id): \(Self.label(target)(lang))."
        }) {
            _ = try await services.listings.moderate(.init(unchecked: id), to: target, reason: f["reason"], by: s.principal)
        }
    }

    /// `screened=YYYY-MM-DD`: the Chinese-calendar day of the latest screening (422 naming the field otherwise).
    static func day(_ text: String?) throws -> Int64? {
        guard let text else { return nil }
        guard let d = try? LocalDate(parsing: text) else {
            throw ValidationError(field: "screened", code: "invalid", en: "screened must be a date (YYYY-MM-DD).", zh: "screened 须为日期（YYYY-MM-DD）。")
        }
        return Int64(d.dayNumber)
    }

    static func label(_ s: ListingStatus) -> LocalizedText {
        switch s {
        case .draft: LocalizedText(en: "Draft", zh: "草稿")
        case .screening: LocalizedText(en: "Screening", zh: "筛查中")
        case .active: LocalizedText(en: "Active", zh: "在售")
        case .needsReview: LocalizedText(en: "Needs review", zh: "待复核")
        case .rejected: LocalizedText(en: "Rejected", zh: "已拒绝")
        case .takenDown: LocalizedText(en: "Taken down", zh: "已下架")
        }
    }
}

struct ListingsPageModel: PageModel {
    static let template = "listings"
    struct Finding: Sendable {
        let market: String
        let category: String
        let matched: String
        let field: String
        let ruleId: String
    }

    struct Row: Sendable {
        let id: String
        let merchantId: String
        let title: String
        let status: String
        let statusLabel: String
        let version: Int
        let markets: String
        let price: String
        let updatedAt: String
        let titleHTML: String
        let findings: [Finding]
        let canClear: Bool
        let canReject: Bool
        let canTakeDown: Bool
        let reason: String
        /// Asked before a rejection or take-down is sent (issue 12 item 1).
        let confirmReject: String
        let confirmTakeDown: String
    }

    let statuses: [Option]
    let q: String
    /// Filters the dashboard links with, kept in the form (hidden) and so in the next-page link.
    let verdict: String?
    let screened: String?
    let merchantId: String?
    let mayModerate: Bool
    let rows: [Row]
    /// Rows shown, next and first page, export links (issue 12 item 6).
    var pager: ConsoleList.Pager?
    var headers: [ConsoleTable.Header] = []
    var returnQuery = ""
    /// Asked before a bulk rejection; `{n}` is the number of rows selected.
    var confirmBulkReject = ""
}
