import Compliance
import Foundation
import Hummingbird
import Kernel
import Parties

/// One page per compliance record (issue 12 item 2): a listing (its versions, findings and takedown cases), a takedown
/// case and a penalty with its appeal, each with the record's timeline. A merchant opens only its own records: the
/// services read behind the tenant wall, so another merchant's id is 404.
struct RecordPages: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("listings/:id", use: listing)
        console.get("takedowns/:id", use: takedown)
        console.get("penalties/:id", use: penalty)
    }

    func who(_ actor: String?, _ actors: [String: ActorName], _ lang: Language) -> String {
        guard let actor else { return "—" }
        let a = TimelineBuilder.actorLabel(actor, actors[actor], lang)
        return a.role.isEmpty ? a.name : "\(a.name) (\(a.role))"
    }

    func merchantName(_ id: MerchantID, by p: Principal) async -> String {
        (try? await routes.parties.merchants.get(id, by: p))?.name ?? id.rawValue
    }

    func findingRows(_ findings: [MarketFinding], _ lang: Language) -> [RecordFinding] {
        var seen = Set<String>()
        return findings.filter { seen.insert("\($0.market)|\($0.finding.ruleId)|\($0.finding.field)|\($0.finding.start)").inserted }.map { f in
            RecordFinding(market: f.market.rawValue, category: Self.t("category.\(f.finding.category.rawValue)", lang),
                          categoryKey: f.finding.category.rawValue, matched: f.finding.matched, field: f.finding.field,
                          ruleId: f.finding.ruleId, isNote: f.finding.disposition == .note)
        }
    }

    // MARK: listing

    func listing(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let id: ListingID = try c.pathID()
        let l = try await services.listings.get(id, by: p)
        let versions = try await services.listings.versionPage(id, limit: 20, after: nil, by: p).items
        let cases = try await services.takedowns.forListing(id, by: p)
        let actors = try await routes.parties.users.actors(versions.map(\.createdBy) + cases.compactMap(\.resolvedBy), by: p)
        let active = l.findings.filter { $0.finding.disposition == .active }
        let model = ListingRecordPageModel(
            id: l.id.rawValue, title: l.content.title, merchantId: l.merchantId.rawValue, merchantName: await merchantName(l.merchantId, by: p),
            status: l.status.rawValue, statusLabel: ListingsPage.label(l.status)(lang), statusReason: l.statusReason ?? "",
            verdict: l.verdict.rawValue, verdictLabel: TimelineBuilder.verdictLabel(l.verdict.rawValue, lang),
            version: l.version, price: l.content.price.description, markets: l.content.markets.map(\.rawValue).joined(separator: ", "),
            titleHTML: ScreeningPage.highlight(l.content.title, active.map(\.finding).filter { $0.field == "title" }),
            descriptionHTML: ScreeningPage.highlight(l.content.description, active.map(\.finding).filter { $0.field == "description" }),
            screenedAt: routes.date(l.screenedAt, lang), catalogueVersion: l.catalogueVersion,
            findings: findingRows(l.findings, lang),
            versions: versions.map { v in
                .init(version: v.version, title: v.content.title, verdict: v.verdict.rawValue,
                      verdictLabel: TimelineBuilder.verdictLabel(v.verdict.rawValue, lang), findings: v.findings.filter { $0.finding.disposition == .active }.count,
                      catalogueVersion: v.catalogueVersion, by: who(v.createdBy, actors, lang), at: routes.date(v.createdAt, lang))
            },
            cases: cases.map { k in caseRow(k, title: l.content.title, actors, lang) },
            timeline: try await TimelineBuilder(routes: routes).build(
                [AuditTarget("listing", id.rawValue)] + cases.prefix(19).map { AuditTarget("takedown-case", $0.id.rawValue) }, r, c, by: p))
        return routes.page(model, c, r)
    }

    func caseRow(_ k: TakedownCase, title: String, _ actors: [String: ActorName], _ lang: Language) -> RecordCase {
        RecordCase(id: k.id.rawValue, status: k.status.rawValue, statusLabel: Self.t("takedown.\(k.status.rawValue)", lang),
                   trigger: Self.t("trigger.\(k.trigger.rawValue)", lang), ruleIds: k.ruleIds.joined(separator: ", "),
                   openedAt: routes.date(k.openedAt, lang), dueAt: routes.date(k.dueAt, lang),
                   resolvedBy: k.resolvedAt == nil ? "—" : who(k.resolvedBy, actors, lang), title: title)
    }

    // MARK: takedown case

    func takedown(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let id = try c.parameters.require("id")
        _ = try TakedownCaseID.field(id, "id")
        let k = try await services.takedowns.get(id, by: p)
        let l = try? await services.listings.get(k.listingId, by: p)
        let title = l?.content.title ?? k.listingId.rawValue
        let actors = try await routes.parties.users.actors(k.resolvedBy.map { [$0] } ?? [], by: p)
        let now = services.clock.now()
        let remaining = k.sla.remaining(at: now)
        let isOpen = k.status == .open
        let model = TakedownCasePageModel(
            c: caseRow(k, title: title, actors, lang), listingId: k.listingId.rawValue, listingVersion: k.listingVersion,
            merchantId: k.merchantId.rawValue, merchantName: await merchantName(k.merchantId, by: p),
            findings: findingRows(k.findings, lang), isOpen: isOpen,
            countdown: TakedownsPage.countdown(remaining, lang), slaClass: isOpen ? TakedownsPage.slaClass(remaining) : "",
            dueISO: k.dueAt.rfc3339, serverNow: now.rfc3339, escalated: k.escalatedAt != nil,
            resolvedAt: routes.date(k.resolvedAt, lang), resolutionReason: k.resolutionReason ?? "", hasResolution: k.resolvedAt != nil,
            canResolve: isOpen && p.can(.takedownsDecide),
            confirmTakeDown: LocalizedText(
                en: "Take down “\(title)”? It goes off sale at once and the merchant receives penalty points.",
                zh: "下架“\(title)”？商品将立即停售，商户将被扣分。")(lang),
            timeline: try await TimelineBuilder(routes: routes).build([AuditTarget("takedown-case", id)], r, c, by: p))
        return routes.page(model, c, r)
    }

    // MARK: penalty

    func penalty(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let id = try c.parameters.require("id")
        _ = try PenaltyID.field(id, "id")
        let pen = try await services.penalties.get(id, by: p)
        let actors = try await routes.parties.users.actors([pen.issuedBy] + [pen.appealedBy, pen.appealDecidedBy].compactMap { $0 }, by: p)
        let model = PenaltyRecordPageModel(
            id: pen.id.rawValue, merchantId: pen.merchantId.rawValue, merchantName: await merchantName(pen.merchantId, by: p),
            violation: Self.t("violation.\(pen.violation.rawValue)", lang), points: pen.points, counted: pen.countedPoints, year: pen.year,
            status: pen.status.rawValue, statusLabel: Self.t("penalty.\(pen.status.rawValue)", lang), penaltyReason: pen.reason,
            issuedBy: who(pen.issuedBy, actors, lang), issuedAt: routes.date(pen.issuedAt, lang),
            listingId: pen.listingId?.rawValue, caseId: pen.caseId,
            hasAppeal: pen.appealedAt != nil, appealReason: pen.appealReason ?? "", appealedAt: routes.date(pen.appealedAt, lang),
            appealedBy: who(pen.appealedBy, actors, lang),
            hasOutcome: pen.appealOutcome != nil, outcome: pen.appealOutcome?.rawValue ?? "",
            outcomeLabel: pen.appealOutcome.map { Self.t("outcome.\($0.rawValue)", lang) } ?? "",
            appealNote: pen.appealNote ?? "", appealDecidedBy: who(pen.appealDecidedBy, actors, lang),
            appealDecidedAt: routes.date(pen.appealDecidedAt, lang),
            timeline: try await TimelineBuilder(routes: routes).build([AuditTarget("penalty", id)], r, c, by: p))
        return routes.page(model, c, r)
    }
}

struct RecordFinding: Sendable {
    let market: String
    let category: String
    let categoryKey: String
    let matched: String
    let field: String
    let ruleId: String
    let isNote: Bool
}

struct RecordCase: Sendable {
    let id: String
    let status: String
    let statusLabel: String
    let trigger: String
    let ruleIds: String
    let openedAt: String
    let dueAt: String
    let resolvedBy: String
    let title: String
}

struct ListingRecordPageModel: PageModel {
    static let template = "listing"
    static let nav = "listings"
    static let titleKey = "recListing"
    struct Version: Sendable {
        let version: Int
        let title: String
        let verdict: String
        let verdictLabel: String
        let findings: Int
        let catalogueVersion: String
        let by: String
        let at: String
    }

    let id: String
    let title: String
    let merchantId: String
    let merchantName: String
    let status: String
    let statusLabel: String
    let statusReason: String
    let verdict: String
    let verdictLabel: String
    let version: Int
    let price: String
    let markets: String
    let titleHTML: String
    let descriptionHTML: String
    let screenedAt: String
    let catalogueVersion: String
    let findings: [RecordFinding]
    let versions: [Version]
    let cases: [RecordCase]
    let timeline: TimelineModel
}

struct TakedownCasePageModel: PageModel {
    static let template = "takedown-case"
    static let nav = "takedowns"
    static let titleKey = "recTakedownCase"
    let c: RecordCase
    let listingId: String
    let listingVersion: Int
    let merchantId: String
    let merchantName: String
    let findings: [RecordFinding]
    let isOpen: Bool
    let countdown: String
    let slaClass: String
    let dueISO: String
    let serverNow: String
    let escalated: Bool
    let resolvedAt: String
    let resolutionReason: String
    let hasResolution: Bool
    let canResolve: Bool
    let confirmTakeDown: String
    let timeline: TimelineModel
}

struct PenaltyRecordPageModel: PageModel {
    static let template = "penalty"
    static let nav = "penalties"
    static let titleKey = "recPenalty"
    let id: String
    let merchantId: String
    let merchantName: String
    let violation: String
    let points: Int
    let counted: Int
    let year: Int
    let status: String
    let statusLabel: String
    let penaltyReason: String
    let issuedBy: String
    let issuedAt: String
    let listingId: String?
    let caseId: String?
    let hasAppeal: Bool
    let appealReason: String
    let appealedAt: String
    let appealedBy: String
    let hasOutcome: Bool
    let outcome: String
    let outcomeLabel: String
    let appealNote: String
    let appealDecidedBy: String
    let appealDecidedAt: String
    let timeline: TimelineModel
}
