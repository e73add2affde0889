import Compliance
import Foundation
import Hummingbird
import Kernel
import Parties

/// The day's work on one page (issue 12 item 10): queue sizes and the age of each queue's oldest item, deadlines due
/// soon and breached, screening outcomes per day for 30 days, each number a link to the list filtered to exactly those
/// records. A tile is shown only to a role that may act on it (`Principal.can`), so no tile links to a page that
/// answers 403; merchant users get their own tiles (their listings in review, open cases, penalties, KYC status).
struct DashboardBuilder {
    let routes: ConsoleRoutes
    var services: AppServices { routes.services }
    static let chartDays = 30

    func build(_ r: Request, _ c: AppRequestContext, _ s: AccessService.Session) async throws -> DashboardPageModel {
        let lang = c.language
        let p = s.principal
        let now = services.clock.now()
        let parties = routes.parties
        var counts: [(MerchantStatus, Int)] = []
        for st in MerchantStatus.allCases { counts.append((st, try await parties.merchants.count(status: st, by: p))) }
        let warnings = try await parties.merchants.licenceWarnings(by: p)
        var model = DashboardPageModel(
            chart: BarChart.svg(counts.map { ($0.0.label(lang), $0.1) }, title: ConsoleStrings.table["merchantsByStatus"]!(lang)),
            statusCounts: counts.map { .init(label: $0.0.label(lang), status: $0.0.rawValue, count: $0.1) },
            licenceWarnings: warnings.map { m in
                .init(id: m.id.rawValue, name: m.name, expires: m.licenceExpiresOn?.description ?? "",
                      state: routes.licenceLabel(parties.merchants.licenceState(m), lang), expired: parties.merchants.licenceState(m) == .expired)
            },
            queues: [], deadlines: [])

        // Queues: one tile per queue the role works.
        func tile(_ id: String, _ labelKey: String, _ stat: QueueStat, _ href: String) -> DashboardPageModel.Tile {
            .init(id: id, label: ConsoleStrings.text(labelKey, lang), count: stat.count, href: href,
                  oldest: stat.oldest.map { Self.age(now.timeIntervalSince($0), lang) } ?? "—", hasOldest: stat.oldest != nil,
                  warn: stat.oldest.map { now.timeIntervalSince($0) > 86_400 } ?? false)
        }
        if p.can(.kycReview) {
            model.queues.append(tile("kyc-submitted", "dashKycSubmitted", try await parties.kyc.queue(status: .submitted, by: p),
                                     "/console/kyc?status=submitted"))
            model.queues.append(tile("kyc-under-review", "dashKycUnderReview", try await parties.kyc.queue(status: .underReview, by: p),
                                     "/console/kyc?status=under-review"))
        }
        if p.can(.listingsModerate) || p.merchantId != nil {
            model.queues.append(tile("listings-review", p.merchantId == nil ? "dashListingsToReview" : "dashOwnListingsInReview",
                                     try await services.listings.queue(status: .needsReview, by: p), "/console/listings?status=needs-review"))
        }
        if p.can(.takedownsDecide) || p.merchantId != nil {
            model.queues.append(tile("takedowns-open", p.merchantId == nil ? "dashOpenTakedowns" : "dashOwnOpenCases",
                                     try await services.takedowns.queue(status: .open, by: p), "/console/takedowns?status=open"))
        }
        if let mid = p.merchantId {
            let year = services.penalties.year(of: now)
            let active = try await services.penalties.page(merchantId: mid, year: year, status: .active, limit: 500, after: nil, by: p).items
            let appealed = try await services.penalties.page(merchantId: mid, year: year, status: .appealed, limit: 500, after: nil, by: p).items
            model.queues.append(.init(id: "penalties-active", label: ConsoleStrings.text("dashOwnPenalties", lang), count: active.count,
                                      href: "/console/penalties?status=active&year=\(year)",
                                      oldest: "\(active.map(\.countedPoints).reduce(0, +)) " + ConsoleStrings.text("dashPoints", lang),
                                      hasOldest: true, warn: !active.isEmpty))
            model.queues.append(.init(id: "penalties-appealed", label: ConsoleStrings.text("dashOwnAppeals", lang), count: appealed.count,
                                      href: "/console/penalties?status=appealed&year=\(year)", oldest: "—", hasOldest: false, warn: false))
            let m = try await parties.merchants.get(mid, by: p)
            model.ownMerchant = routes.merchantRow(m, lang)
            if p.can(.kycRead) {
                let latest = try await parties.kyc.list(status: nil, merchantId: mid, limit: 50, after: nil, by: p).items.max { $0.submittedAt < $1.submittedAt }
                model.ownKyc = latest.map { .init(id: $0.id.rawValue, statusLabel: $0.status.label(lang), status: $0.status.rawValue,
                                                  submittedAt: routes.date($0.submittedAt, lang)) }
            }
        }

        // Deadlines due soon and breached (the scanner's list, the caller's records only).
        for state in [Deadline.State.breached, .dueSoon] {
            let page = try await services.deadlines.list(DeadlineFilter(state: state, limit: 500), by: p)
            model.deadlines.append(.init(id: "deadlines-\(state.rawValue)", label: ConsoleStrings.text("deadline.\(state.rawValue)", lang),
                                         count: page.items.count, href: "/console/deadlines?state=\(state.rawValue)",
                                         oldest: page.items.first.map { routes.date($0.dueAt, lang) } ?? "—", hasOldest: !page.items.isEmpty,
                                         warn: state == .breached && !page.items.isEmpty, more: page.next != nil))
        }

        if p.can(.listingsModerate) {
            model.screening = try await screening(p, lang)
        }

        if p.can(.auditRead) {
            let audit = try await AuditLog.recent(services.db, merchantId: p.scope.merchantId, limit: 10)
            let actors = try await parties.users.actors(audit.map(\.actor), by: p)
            model.audit = audit.map { e in
                let a = TimelineBuilder.actorLabel(e.actor, actors[e.actor], lang)
                return .init(time: routes.date(e.at, lang), actor: a.role.isEmpty ? a.name : "\(a.name) (\(a.role))",
                             action: AuditActions.sentence(e.action, lang),
                             entity: lang == .zh ? CommonError.zhEntity(e.entity) : e.entity.replacingOccurrences(of: "-", with: " "),
                             entityId: e.entityId,
                             href: Self.recordHref(e.entity, e.entityId))
            }
            model.hasAudit = !audit.isEmpty
        }
        return model
    }

    /// The record page of an audited entity, where there is one.
    static func recordHref(_ entity: String, _ id: String) -> String? {
        switch entity {
        case "merchant": "/console/merchants/\(id)"
        case "kyc": "/console/kyc/\(id)"
        case "listing": "/console/listings/\(id)"
        case "takedown-case": "/console/takedowns/\(id)"
        case "penalty": "/console/penalties/\(id)"
        default: nil
        }
    }

    func screening(_ p: Principal, _ lang: Language) async throws -> DashboardPageModel.Screening {
        let rows = try await services.listings.screeningByDay(days: Self.chartDays, by: p)
        let today = ChinaDay.number(services.clock.now())
        let verdicts: [Verdict] = [.pass, .review, .reject]
        var days: [DashboardPageModel.ScreeningDay] = []
        for n in (today - Int64(Self.chartDays) + 1)...today {
            let date = LocalDate(dayNumber: Int(n)).description
            let cells = verdicts.map { v in
                let count = rows.first { $0.day == n && $0.verdict == v }?.count ?? 0
                return DashboardPageModel.Cell(verdict: v.rawValue, count: count, hasCount: count > 0,
                                               href: "/console/listings?status=all&verdict=\(v.rawValue)&screened=\(date)")
            }
            days.append(.init(date: date, short: String(date.suffix(5)), cells: cells, total: cells.map(\.count).reduce(0, +)))
        }
        let labels = verdicts.map { TimelineBuilder.verdictLabel($0.rawValue, lang) }
        let title = ConsoleStrings.text("dashScreeningTitle", lang)
        return .init(svg: BarChart.stacked(days.map { ($0.short, $0.cells.map(\.count)) }, series: labels, title: title),
                     days: days.reversed(), legend: zip(verdicts, labels).map { .init(verdict: $0.rawValue, label: $1) },
                     total: days.map(\.total).reduce(0, +))
    }

    /// "3 d 4 h" / "3 天 4 小时"; under an hour in minutes.
    static func age(_ seconds: TimeInterval, _ lang: Language) -> String {
        let m = max(0, Int(seconds / 60))
        let (d, h, min) = (m / 1440, m % 1440 / 60, m % 60)
        if lang == .zh { return d > 0 ? "\(d) 天 \(h) 小时" : h > 0 ? "\(h) 小时 \(min) 分" : "\(min) 分钟" }
        return d > 0 ? "\(d) d \(h) h" : h > 0 ? "\(h) h \(min) min" : "\(min) min"
    }
}

struct DashboardPageModel: PageModel {
    static let template = "dashboard"
    struct StatusCount: Sendable {
        let label: String
        let status: String
        let count: Int
    }

    struct LicenceWarning: Sendable {
        let id: String
        let name: String
        let expires: String
        let state: String
        let expired: Bool
    }

    struct AuditRow: Sendable {
        let time: String
        let actor: String
        let action: String
        let entity: String
        /// Shown on hover (names, not ids, in the text).
        let entityId: String
        let href: String?
    }

    /// A number with the list it counts: `href` opens exactly those records.
    struct Tile: Sendable {
        let id: String
        let label: String
        let count: Int
        let href: String
        /// The oldest item's age (queues), the earliest due time (deadlines) or the points (penalties).
        let oldest: String
        let hasOldest: Bool
        let warn: Bool
        var more = false
    }

    struct Cell: Sendable {
        let verdict: String
        let count: Int
        let hasCount: Bool
        let href: String
    }

    struct ScreeningDay: Sendable {
        let date: String
        let short: String
        let cells: [Cell]
        let total: Int
    }

    struct Legend: Sendable {
        let verdict: String
        let label: String
    }

    struct Screening: Sendable {
        let svg: String
        let days: [ScreeningDay]
        let legend: [Legend]
        let total: Int
    }

    struct OwnKyc: Sendable {
        let id: String
        let statusLabel: String
        let status: String
        let submittedAt: String
    }

    let chart: String
    let statusCounts: [StatusCount]
    let licenceWarnings: [LicenceWarning]
    var queues: [Tile]
    var deadlines: [Tile]
    var screening: Screening?
    var audit: [AuditRow]?
    var hasAudit: Bool?
    var ownMerchant: MerchantRow?
    var ownKyc: OwnKyc?
}
