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
        var model = routes.base(c, r, nav: "deadlines")
        let filter: DeadlineFilter
        do { filter = try OperationsAPI.filter(q) } catch let e as ValidationError {
            model["filterError"] = e.fieldErrors.map { $0.message(lang) }.joined(separator: " ")
            filter = DeadlineFilter()
        }
        let page = try await services.deadlines.list(filter, by: p)
        let now = services.clock.now()
        let names = p.merchantId == nil ? await routes.merchantNames(by: p) : [:]
        let rows: [[String: Any]] = page.items.map { d in
            let remaining = d.dueAt.timeIntervalSince(now)
            let state = d.state(at: now)
            let merchant = d.merchantId.map { names[$0.rawValue] ?? $0.rawValue } ?? "—"
            return [
                "clock": d.clock.label(lang), "clockId": d.clock.id, "rule": d.clock.rule(lang),
                "module": Self.t("module.\(d.clock.module)", lang), "owner": d.clock.owner.label(lang),
                "subject": d.subject.isEmpty ? d.entityId : d.subject, "entityId": d.entityId, "link": d.link ?? "", "hasLink": d.link != nil,
                "merchant": merchant, "startedAt": routes.date(d.startedAt, lang), "dueAt": routes.date(d.dueAt, lang), "dueISO": d.dueAt.rfc3339,
                "warn": Int(d.clock.warnBefore), "remaining": Int(remaining), "countdown": TakedownsPage.countdown(remaining, lang),
                "slaClass": remaining <= 0 ? "sla-breached" : remaining <= d.clock.warnBefore ? "sla-warning" : "sla-ok",
                "state": state.rawValue, "stateLabel": Self.t("deadline.\(state.rawValue)", lang),
                "sortKeys": ["due": ConsoleTable.pad(d.dueAt), "clock": d.clock.label(lang), "subject": d.subject.lowercased(),
                             "merchant": merchant.lowercased(), "owner": d.clock.owner.label(lang)],
            ]
        }
        let table = ConsoleTable(r, default: "due", allowed: ["due", "clock", "subject", "merchant", "owner"])
        model["rows"] = table.apply(rows)
        model["count"] = rows.count
        model["headers"] = table.headers([
            .init("clock", Self.t("deadlineClock", lang)), .init("subject", Self.t("record", lang)), .init("merchant", Self.t("merchant", lang)),
            .init("owner", Self.t("owner", lang)), .init("due", Self.t("due", lang)), .init("state", Self.t("status", lang), sortable: false),
        ])
        let clocks = services.deadlines.clocks
        model["modules"] = Array(Set(clocks.map(\.module))).sorted().map {
            ["value": $0, "label": Self.t("module.\($0)", lang), "selected": $0 == filter.module]
        }
        model["owners"] = Array(Set(clocks.map(\.owner))).sorted { $0.rawValue < $1.rawValue }.map {
            ["value": $0.rawValue, "label": $0.label(lang), "selected": $0 == filter.owner]
        }
        model["states"] = Deadline.State.allCases.map {
            ["value": $0.rawValue, "label": Self.t("deadline.\($0.rawValue)", lang), "selected": $0 == filter.state]
        }
        model["clocks"] = clocks.map { ["label": $0.label(lang), "rule": $0.rule(lang), "owner": $0.owner.label(lang)] }
        model["serverNow"] = now.rfc3339
        if let next = page.next {
            var params = r.uri.queryParameters.compactMap { kv -> String? in
                let k = String(kv.key)
                return k == "after" || kv.value.isEmpty ? nil : "\(ConsoleRoutes.urlEncode(k))=\(ConsoleRoutes.urlEncode(String(kv.value)))"
            }
            params.append("after=\(ConsoleRoutes.urlEncode(next.token))")
            model["nextHref"] = "?" + params.joined(separator: "&")
        }
        model["isPaged"] = filter.after != nil
        return routes.page("deadlines", model, r)
    }
}
