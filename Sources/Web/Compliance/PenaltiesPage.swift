import Compliance
import Foundation
import Hummingbird
import Kernel
import Parties

/// Penalty points (CMP4): the penalties table, each merchant's standing this year with the distance to the next
/// sanction, and the forms to issue a penalty (officer), appeal it (merchant admin) and decide the appeal (officer).
struct PenaltiesPage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("penalties", use: show)
        console.post("penalties", use: issue)
        console.post("penalties/:id/appeal", use: appeal)
        console.post("penalties/:id/decision", use: decide)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let q = Query(request: r)
        let thisYear = services.penalties.year(of: services.clock.now())
        let year = try q.int("year", in: 2000...2100) ?? thisYear
        let status = try q.enumValue("status", Penalty.Status.self)
        let merchantFilter = p.merchantId?.rawValue ?? q.string("merchantId")
        let violation = try q.enumValue("violation", Violation.self)
        // Filtered, searched, sorted and paged in SQL (issue 12 item 6); the export takes every row the filters select.
        let filter = PenaltySearch(merchantId: merchantFilter.map(MerchantID.init(unchecked:)), year: year, status: status, violation: violation)
        let request = ConsoleList.request(r)
        if let format = try ConsoleList.format(r) { return try await export(filter, request, format, lang, by: p) }
        let page = try await services.penalties.search(filter, request, by: p)
        let penalties = page.items
        let policy = try await services.penalties.policy()
        let names = await routes.merchantNames(by: p)
        let mayIssue = p.can(.penaltiesIssue)
        let mayAppeal = p.can(.penaltiesAppeal)
        let now = services.clock.now()
        var actors: [String: String] = [:]
        var rows: [PenaltiesPageModel.Row] = []
        for pen in penalties {
            let windowOpen = now.timeIntervalSince(pen.issuedAt) <= Double(Penalty.appealWindowDays) * 86400
            let name = names[pen.merchantId.rawValue] ?? pen.merchantId.rawValue
            rows.append(.init(
                id: pen.id.rawValue, merchantId: pen.merchantId.rawValue, merchantName: name,
                violation: pen.violation.rawValue, violationLabel: Self.t("violation.\(pen.violation.rawValue)", lang),
                points: pen.points, counted: pen.countedPoints, notCounted: pen.countedPoints != pen.points,
                reason: pen.reason, status: pen.status.rawValue, statusLabel: Self.t("penalty.\(pen.status.rawValue)", lang),
                issuedBy: await routes.actorName(pen.issuedBy, by: p, cache: &actors), issuedAt: routes.date(pen.issuedAt, lang),
                listingId: pen.listingId?.rawValue ?? "", hasListing: pen.listingId != nil, caseId: pen.caseId ?? "", hasCase: pen.caseId != nil,
                hasAppeal: pen.appealedAt != nil, appealReason: pen.appealReason ?? "", appealedAt: routes.date(pen.appealedAt, lang),
                hasOutcome: pen.appealOutcome != nil, outcome: pen.appealOutcome?.rawValue ?? "",
                outcomeLabel: pen.appealOutcome.map { Self.t("outcome.\($0.rawValue)", lang) } ?? "",
                appealNote: pen.appealNote ?? "", appealDecidedBy: await routes.actorName(pen.appealDecidedBy, by: p, cache: &actors),
                appealDecidedAt: routes.date(pen.appealDecidedAt, lang),
                canAppeal: mayAppeal && pen.status == .active && pen.appealOutcome == nil && windowOpen,
                canDecide: mayIssue && pen.status == .appealed, decideBlocked: pen.issuedBy == p.actorId))
        }
        let table = ConsoleTable(r, default: "issued", descending: true, allowed: Set(PenaltySearch.sorts))

        // Standing of each merchant shown (a merchant sees its own; operators those with penalties, or the filtered one).
        var standingIds = Set(penalties.map(\.merchantId.rawValue))
        if let m = merchantFilter { standingIds = [m] }
        var standings: [PenaltiesPageModel.Standing] = []
        for mid in standingIds.sorted(by: { (names[$0] ?? $0) < (names[$1] ?? $1) }).prefix(50) {
            guard let st = try? await services.penalties.standing(.init(unchecked: mid), year: year, by: p) else { continue }
            let next = st.next
            let nextAt = st.nextAt ?? max(st.points, 1)
            let previous = policy.thresholds.values.filter { $0 <= st.points }.max() ?? 0
            standings.append(.init(
                merchantId: mid, merchantName: names[mid] ?? mid, year: st.year, points: st.points,
                sanctions: st.sanctions.map { .init(key: $0.rawValue, label: $0.label(lang)) }, hasSanctions: !st.sanctions.isEmpty,
                hasNext: next != nil, nextLabel: next?.label(lang) ?? "", nextKey: next?.rawValue ?? "", nextAt: nextAt,
                toNext: max(0, nextAt - st.points), progressMax: nextAt, progressValue: min(st.points, nextAt),
                percent: nextAt == 0 ? 100 : min(100, st.points * 100 / nextAt), previous: previous,
                closed: st.has(.storeClosure)))
        }
        let model = PenaltiesPageModel(
            rows: rows, count: page.total ?? rows.count,
            headers: table.headers([
                .init("merchant", Self.t("merchant", lang)), .init("violation", Self.t("violation", lang)),
                .init("points", Self.t("points", lang)), .init("issued", Self.t("issuedAt", lang)),
                .init("status", Self.t("status", lang)), .init("appeal", Self.t("appeal", lang), sortable: false),
                .init("actions", Self.t("actions", lang), sortable: false),
            ]),
            standings: standings,
            thresholds: Sanction.allCases.compactMap { sn in policy.threshold(sn).map { .init(label: sn.label(lang), key: sn.rawValue, points: $0) } },
            violations: Violation.allCases.map { v in
                .init(value: v.rawValue, label: Self.t("violation.\(v.rawValue)", lang), points: policy.points(for: v), selected: v == violation)
            },
            statuses: Penalty.Status.allCases.map { Option(value: $0.rawValue, label: Self.t("penalty.\($0.rawValue)", lang), selected: $0 == status) },
            outcomes: Penalty.AppealOutcome.allCases.map { Choice(value: $0.rawValue, label: Self.t("outcome.\($0.rawValue)", lang)) },
            merchantOptions: names.sorted { $0.value < $1.value }.map { Option(value: $0.key, label: $0.value, selected: $0.key == merchantFilter) },
            years: (max(2020, thisYear - 4)...thisYear).reversed().map { .init(value: $0, selected: $0 == year) },
            year: year, isMerchant: p.merchantId != nil, mayIssue: mayIssue, appealWindowDays: Penalty.appealWindowDays,
            q: request.search ?? "", pager: ConsoleList.pager(r, page, lang))
        return routes.page(model, c, r)
    }

    /// Every penalty the filters select (all pages), as CSV or XLSX; a merchant's file holds its own only.
    func export(_ filter: PenaltySearch, _ request: ListRequest, _ format: ExportFormat, _ lang: Language, by p: Principal) async throws -> Response {
        var table = ExportTable(name: "penalties", headers: [
            "ID", Self.t("merchant", lang), Self.t("violation", lang), Self.t("points", lang), Self.t("status", lang), Self.t("issuedAt", lang),
            Self.t("reason", lang), Self.t("appeal", lang),
        ])
        var names = await routes.merchantNames(by: p)
        try await ConsoleList.collect(request, into: &table, fetch: { try await services.penalties.search(filter, $0, by: p) }) { pen in
            [pen.id.rawValue, await routes.merchantName(pen.merchantId, by: p, cache: &names), Self.t("violation.\(pen.violation.rawValue)", lang),
             String(pen.countedPoints), Self.t("penalty.\(pen.status.rawValue)", lang), pen.issuedAt.rfc3339, pen.reason,
             pen.appealOutcome.map { Self.t("outcome.\($0.rawValue)", lang) } ?? (pen.appealReason ?? "")]
        }
        return try ConsoleList.download(table, format, routes: routes)
    }

    func issue(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        let listing = f["listingId"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        return try await routes.command(c, back: "/console/penalties", ok: { lang in
            lang == .zh ? "已开具处罚，商户积分已更新。" : "Penalty issued; the merchant's points are updated."
        }) {
            let points = try Self.points(f["points"])
            _ = try await services.penalties.issue(merchantId: f["merchantId"], violation: f["violation"], points: points, listingId: listing,
                                                   reason: f["reason"], by: s.principal)
        }
    }

    func appeal(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        let f = try await routes.form(r, c)
        return try await routes.command(c, back: "/console/penalties", ok: { lang in
            lang == .zh ? "已提交申诉 \(id)；审理前积分仍计入。" : "Appeal filed for \(id); the points count until it is decided."
        }) {
            _ = try await services.penalties.appeal(id, reason: f["reason"], by: s.principal)
        }
    }

    func decide(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        let f = try await routes.form(r, c)
        let outcome = f["outcome"]
        return try await routes.command(c, back: "/console/penalties", ok: { lang in
            let label = outcome.map { Self.t("outcome.\($0)", lang) } ?? ""
            return lang == .zh ? "申诉 \(id) 已审结：\(label)。" : "Appeal \(id) decided: \(label)."
        }) {
            let points = try Self.points(f["points"])
            _ = try await services.penalties.decideAppeal(id, outcome: outcome, points: points, note: f["note"], by: s.principal)
        }
    }

    /// An optional whole number of points from a form field.
    static func points(_ text: String?) throws(ValidationError) -> Int? {
        guard let raw = text?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        guard let n = Int(raw) else {
            throw ValidationError(field: "points", code: "invalid", en: "Points must be a whole number.", zh: "分值须为整数。")
        }
        return n
    }
}

struct PenaltiesPageModel: PageModel {
    static let template = "penalties"
    struct Row: Sendable {
        let id: String
        let merchantId: String
        let merchantName: String
        let violation: String
        let violationLabel: String
        let points: Int
        let counted: Int
        let notCounted: Bool
        let reason: String
        let status: String
        let statusLabel: String
        let issuedBy: String
        let issuedAt: String
        let listingId: String
        let hasListing: Bool
        let caseId: String
        let hasCase: Bool
        let hasAppeal: Bool
        let appealReason: String
        let appealedAt: String
        let hasOutcome: Bool
        let outcome: String
        let outcomeLabel: String
        let appealNote: String
        let appealDecidedBy: String
        let appealDecidedAt: String
        let canAppeal: Bool
        let canDecide: Bool
        let decideBlocked: Bool
    }

    struct SanctionBadge: Sendable {
        let key: String
        let label: String
    }

    struct Standing: Sendable {
        let merchantId: String
        let merchantName: String
        let year: Int
        let points: Int
        let sanctions: [SanctionBadge]
        let hasSanctions: Bool
        let hasNext: Bool
        let nextLabel: String
        let nextKey: String
        let nextAt: Int
        let toNext: Int
        let progressMax: Int
        let progressValue: Int
        let percent: Int
        let previous: Int
        let closed: Bool
    }

    struct Threshold: Sendable {
        let label: String
        let key: String
        let points: Int
    }

    struct ViolationOption: Sendable {
        let value: String
        let label: String
        let points: Int
        let selected: Bool
    }

    struct Year: Sendable {
        let value: Int
        let selected: Bool
    }

    let rows: [Row]
    let count: Int
    let headers: [ConsoleTable.Header]
    let standings: [Standing]
    let thresholds: [Threshold]
    let violations: [ViolationOption]
    let statuses: [Option]
    let outcomes: [Choice]
    let merchantOptions: [Option]
    let years: [Year]
    let year: Int
    let isMerchant: Bool
    let mayIssue: Bool
    let appealWindowDays: Int
    /// The search box and "N of M", paging and export links (issue 12 item 6).
    let q: String
    let pager: ConsoleList.Pager
}
