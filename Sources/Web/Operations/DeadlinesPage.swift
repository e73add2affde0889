import Foundation
import Hummingbird
import Kernel
import Parties

/// Every open SLA clock of every module (issue 11 item 2, K9) in one table: most urgent first, a live countdown,
/// filters by module, owner and state, cursor paging. A merchant sees the clocks on its own records.
struct DeadlinesPage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("deadlines", use: show)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let q = Query(request: r)
        var filterError: String?
        let filter: DeadlineFilter
        do { filter = try OperationsAPI.filter(q) } catch let e as ValidationError {
            filterError = e.fieldErrors.map { $0.message(lang) }.joined(separator: " ")
            filter = DeadlineFilter()
        }
        let page = try await services.deadlines.list(filter, by: p)
        let now = services.clock.now()
        let names = p.merchantId == nil ? await routes.merchantNames(by: p) : [:]
        let rows: [DeadlinesPageModel.Row] = page.items.map { d in
            let remaining = d.dueAt.timeIntervalSince(now)
            let state = d.state(at: now)
            let merchant = d.merchantId.map { names[$0.rawValue] ?? $0.rawValue } ?? "—"
            return .init(
                clock: d.clock.label(lang), clockId: d.clock.id, rule: d.clock.rule(lang),
                module: Self.t("module.\(d.clock.module)", lang), owner: d.clock.owner.label(lang),
                subject: d.subject.isEmpty ? d.entityId : d.subject, entityId: d.entityId, link: d.link ?? "", hasLink: d.link != nil,
                merchant: merchant, startedAt: routes.date(d.startedAt, lang), dueAt: routes.date(d.dueAt, lang), dueISO: d.dueAt.rfc3339,
                warn: Int(d.clock.warnBefore), remaining: Int(remaining), countdown: TakedownsPage.countdown(remaining, lang),
                slaClass: remaining <= 0 ? "sla-breached" : remaining <= d.clock.warnBefore ? "sla-warning" : "sla-ok",
                state: state.rawValue, stateLabel: Self.t("deadline.\(state.rawValue)", lang),
                sortKeys: ["due": ConsoleTable.pad(d.dueAt), "clock": d.clock.label(lang), "subject": d.subject.lowercased(),
                           "merchant": merchant.lowercased(), "owner": d.clock.owner.label(lang)])
        }
        let table = ConsoleTable(r, default: "due", allowed: ["due", "clock", "subject", "merchant", "owner"])
        let clocks = services.deadlines.clocks
        var model = DeadlinesPageModel(
            filterError: filterError, rows: table.apply(rows), count: rows.count,
            headers: table.headers([
                .init("clock", Self.t("deadlineClock", lang)), .init("subject", Self.t("record", lang)), .init("merchant", Self.t("merchant", lang)),
                .init("owner", Self.t("owner", lang)), .init("due", Self.t("due", lang)), .init("state", Self.t("status", lang), sortable: false),
            ]),
            modules: Array(Set(clocks.map(\.module))).sorted().map {
                Option(value: $0, label: Self.t("module.\($0)", lang), selected: $0 == filter.module)
            },
            owners: Array(Set(clocks.map(\.owner))).sorted { $0.rawValue < $1.rawValue }.map {
                Option(value: $0.rawValue, label: $0.label(lang), selected: $0 == filter.owner)
            },
            states: Deadline.State.allCases.map {
                Option(value: $0.rawValue, label: Self.t("deadline.\($0.rawValue)", lang), selected: $0 == filter.state)
            },
            clocks: clocks.map { .init(label: $0.label(lang), rule: $0.rule(lang), owner: $0.owner.label(lang)) },
            serverNow: now.rfc3339, isPaged: filter.after != nil)
        model.nextHref = ConsolePaging.nextHref(r, next: page.next?.token)
        return routes.page(model, c, r)
    }
}

struct DeadlinesPageModel: PageModel {
    static let template = "deadlines"
    struct Row: SortableRow, Sendable {
        let clock: String
        let clockId: String
        let rule: String
        let module: String
        let owner: String
        let subject: String
        let entityId: String
        let link: String
        let hasLink: Bool
        let merchant: String
        let startedAt: String
        let dueAt: String
        let dueISO: String
        let warn: Int
        let remaining: Int
        let countdown: String
        let slaClass: String
        let state: String
        let stateLabel: String
        let sortKeys: [String: String]
    }

    struct Clock: Sendable {
        let label: String
        let rule: String
        let owner: String
    }

    let filterError: String?
    let rows: [Row]
    let count: Int
    let headers: [ConsoleTable.Header]
    let modules: [Option]
    let owners: [Option]
    let states: [Option]
    let clocks: [Clock]
    let serverNow: String
    let isPaged: Bool
    var nextHref: String?
}
