import Compliance
import Foundation
import Hummingbird
import Kernel
import Parties

/// The rule catalogue editor (issue 12 item 7, CMP1): search and page the live rules, a rule's page with its versions and
/// recent hits, a form to add, edit or retire a rule, and a change's page showing what it does to the live catalogue.
/// Every save is a proposal in the four-eyes flow; only another officer sees Approve.
struct CatalogueRulesPage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("catalogue/rules", use: list)
        console.get("catalogue/rules/new", use: { r, c in try await form(r, c, editing: nil) })
        console.post("catalogue/rules", use: { r, c in try await save(r, c, editing: nil) })
        console.get("catalogue/rules/:id", use: show)
        console.get("catalogue/rules/:id/edit", use: { r, c in try await form(r, c, editing: try c.parameters.require("id")) })
        console.post("catalogue/rules/:id", use: { r, c in try await save(r, c, editing: try c.parameters.require("id")) })
        console.post("catalogue/rules/:id/retire", use: retire)
        console.get("catalogue/changes/:id", use: change)
    }

    static func marketLabel(_ code: String, _ lang: Language) -> String { Market(rawValue: code)?.label(lang) ?? code }
    static func categoryLabel(_ code: String, _ lang: Language) -> String { t("category.\(code)", lang) }

    // MARK: list

    func list(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let lang = c.language
        let q = Query(request: r)
        let table = ConsoleTable(r, default: "id", allowed: Set(RuleQuery.Sort.allCases.map(\.rawValue)))
        let query = RuleQuery(text: q.formText("q"), market: try q.enumValue("market", Market.self),
                              category: try q.enumValue("category", RuleCategory.self), severity: try q.int("severity", in: 1...5),
                              status: try q.enumValue("status", RuleQuery.Status.self), sort: RuleQuery.Sort(rawValue: table.sort) ?? .id,
                              descending: table.desc, limit: ConsolePaging.pageSize, after: q.string("after"))
        let found = try await services.catalogue.rules(query, by: s.principal)
        let day = routes.today.description
        let rows = found.page.items.map { e in
            let scheduled = !e.effectiveFrom.isEmpty && e.effectiveFrom > day
            let status = scheduled ? "scheduled" : "in-force"
            return CatalogueRulesPageModel.Row(
                id: e.id, href: Self.ruleHref(e.id), term: e.term, variants: e.variants.prefix(3).joined(separator: lang == .zh ? "、" : ", "),
                moreVariants: e.variants.count > 3 ? e.variants.count - 3 : nil,
                market: e.market.rawValue, marketLabel: e.market.label(lang), category: e.category.rawValue,
                categoryLabel: Self.categoryLabel(e.category.rawValue, lang), severity: e.severity, source: e.source,
                sourceURL: Self.safeURL(e.sourceURL), effectiveFrom: e.effectiveFrom.isEmpty ? "—" : e.effectiveFrom,
                status: status, statusLabel: Self.t(scheduled ? "ceStatusScheduled" : "ceStatusInForce", lang),
                pendingChange: found.pending[e.id].map { .init(id: $0.rawValue, href: "/console/catalogue/changes/\($0.rawValue)") })
        }
        // A cursor belongs to one sort: a header link starts again at the first page.
        let headers = table.headers([
            .init("id", Self.t("ceRuleId", lang)), .init("term", Self.t("term", lang)), .init("market", Self.t("market", lang)),
            .init("category", Self.t("ceCategory", lang)), .init("severity", Self.t("ceSeverity", lang)),
            .init("source", Self.t("source", lang), sortable: false), .init("effective", Self.t("ceEffectiveFrom", lang)),
            .init("status", Self.t("status", lang), sortable: false),
        ]).map { h in
            ConsoleTable.Header(key: h.key, label: h.label, sortable: h.sortable, active: h.active, arrow: h.arrow, ariaSort: h.ariaSort,
                                href: "?" + h.href.dropFirst().split(separator: "&").filter { !$0.hasPrefix("after=") }.joined(separator: "&"))
        }
        let marketValue = q.string("market"), categoryValue = q.string("category"), severityValue = q.string("severity")
        let statusValue = q.string("status")
        var model = CatalogueRulesPageModel(
            q: q.formText("q") ?? "", version: found.version, count: rows.count, headers: headers, rows: rows,
            marketOptions: Market.allCases.map { Option(value: $0.rawValue, label: $0.label(lang), selected: $0.rawValue == marketValue) },
            categoryOptions: RuleCategory.catalogued.map {
                Option(value: $0.rawValue, label: Self.categoryLabel($0.rawValue, lang), selected: $0.rawValue == categoryValue)
            },
            severityOptions: (1...5).map { Option(value: String($0), label: String($0), selected: String($0) == severityValue) },
            statusOptions: RuleQuery.Status.allCases.map { st in
                Option(value: st.rawValue, label: Self.t(Self.statusKey(st), lang), selected: st.rawValue == statusValue)
            },
            mayEdit: s.principal.can(.catalogueEdit))
        model.nextHref = ConsolePaging.nextHref(r, next: found.page.next)
        if q.string("after") != nil {
            model.firstHref = "?" + r.uri.queryParameters.compactMap { kv -> String? in
                kv.key == "after" || kv.value.isEmpty ? nil : "\(ConsoleRoutes.urlEncode(String(kv.key)))=\(ConsoleRoutes.urlEncode(String(kv.value)))"
            }.joined(separator: "&")
        }
        return routes.page(model, c, r)
    }

    static func statusKey(_ s: RuleQuery.Status) -> String {
        switch s {
        case .inForce: "ceStatusInForce"
        case .scheduled: "ceStatusScheduled"
        case .pending: "ceStatusPending"
        }
    }

    /// Where in the listing a finding is: title, description, an attribute by name, an image's text by number.
    static func whereLabel(_ field: String, _ lang: Language) -> String {
        if field == "title" || field == "description" { return t("ceWhere.\(field)", lang) }
        if field.hasPrefix("attributes.") { return "\(t("ceWhere.attribute", lang)) \(field.dropFirst("attributes.".count))" }
        if field.hasPrefix("images["), let n = Int(field.dropFirst("images[".count).prefix { $0.isNumber }) {
            return "\(t("ceWhere.image", lang)) \(n + 1)"
        }
        return field
    }

    /// Rule ids are letters, digits and `-._` (CatalogueCSV checks it) and change ids `chg_…`, which a path carries as they are.
    static let pathSafe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
    static func ruleHref(_ id: String) -> String { "/console/catalogue/rules/\(id.addingPercentEncoding(withAllowedCharacters: pathSafe) ?? "")" }

    /// Only web links become links (a source URL is free text from an import).
    static func safeURL(_ s: String) -> String? {
        let lower = s.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://") ? s : nil
    }

    // MARK: a rule

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let id = try c.parameters.require("id")
        let rule = try await services.catalogue.rule(id, by: p)
        let hits = try await services.catalogue.hits(ruleId: id, limit: 20, after: Query(request: r).string("after"), by: p)
        let e = rule.entry
        var actors: [String: String] = [:]
        var history: [CatalogueRulePageModel.Version] = []
        for v in rule.history {
            history.append(.init(version: v.version, action: v.action.rawValue, actionLabel: Self.t("ceAction.\(v.action.rawValue)", lang),
                                 changeId: v.changeId, changeHref: v.changeId.map { "/console/catalogue/changes/\($0)" },
                                 by: await routes.actorName(v.createdBy, by: p, cache: &actors), at: routes.date(v.createdAt, lang)))
        }
        let names = await routes.merchantNames(by: p)
        let status = !rule.live ? "retired" : rule.inForce ? "in-force" : "scheduled"
        let model = CatalogueRulePageModel(
            pageTitle: "\(e.id) · \(e.term)", id: e.id, term: e.term, status: status,
            statusLabel: Self.t(["retired": "ceStatusRetired", "in-force": "ceStatusInForce", "scheduled": "ceStatusScheduled"][status]!, lang),
            retired: !rule.live, facts: Self.facts(e, lang),
            sourceURL: Self.safeURL(e.sourceURL), source: e.source,
            introducedIn: rule.history.last(where: { $0.action == .added }).map { "v\($0.version)" } ?? "—",
            lastChangedIn: rule.history.first.map { "v\($0.version)" } ?? "—",
            history: history,
            pendingChange: rule.pendingChange.map { .init(id: $0.rawValue, href: "/console/catalogue/changes/\($0.rawValue)") },
            hits: hits.items.map { h in
                .init(listingId: h.listingId.rawValue,
                      listingHref: "/console/listings?q=\(ConsoleRoutes.urlEncode(String(h.listingTitle.prefix(100))))",
                      title: h.listingTitle.isEmpty ? h.listingId.rawValue : h.listingTitle,
                      merchantName: names[h.merchantId.rawValue] ?? h.merchantId.rawValue, merchantId: h.merchantId.rawValue,
                      market: h.market?.rawValue ?? "", marketLabel: h.market?.label(lang) ?? "", matched: h.matched,
                      field: Self.whereLabel(h.field, lang), disposition: h.disposition.rawValue,
                      dispositionLabel: Self.t(h.disposition == .active ? "ceDispActive" : "ceDispNote", lang),
                      listingStatus: h.listingStatus.map { ListingsPage.label($0)(lang) } ?? "—",
                      screenedAt: routes.date(h.screenedAt, lang))
            },
            hitsNextHref: ConsolePaging.nextHref(r, next: hits.next),
            mayEdit: rule.live && p.can(.catalogueEdit), editHref: "\(Self.ruleHref(e.id))/edit",
            confirmRetire: LocalizedText(
                en: "Propose retiring rule \(e.id) (“\(e.term)”)? Once another officer approves, listings are no longer screened for it.",
                zh: "提议停用规则 \(e.id)（“\(e.term)”）？经另一位合规人员批准后，商品将不再按此规则筛查。")(lang))
        return routes.page(model, c, r)
    }

    static func facts(_ e: CatalogueEntry, _ lang: Language) -> [CatalogueRulePageModel.Fact] {
        CatalogueDiff.values(e).map { field, value in
            .init(field: field, label: t("ceField.\(field)", lang), value: display(field, value, lang))
        }
    }

    /// A field's value for people: market, category and matching by name, empty as a dash.
    static func display(_ field: String, _ value: String, _ lang: Language) -> String {
        if value.isEmpty { return "—" }
        switch field {
        case "market": return "\(marketLabel(value, lang)) (\(value))"
        case "category": return categoryLabel(value, lang)
        case "match": return t(value == "word" ? "ceMatchWord" : "ceMatchSubstring", lang)
        case "language" where value == "any": return t("ceLanguageAny", lang)
        default: return value
        }
    }

    // MARK: the form

    struct Values: Sendable {
        var id = "", market = "", category = "", term = "", variants = "", language = "any", match = "word", requires = ""
        var severity = "3", source = "", sourceUrl = "", effectiveFrom = "", note = "", summary = ""

        init() {}

        init(_ e: CatalogueEntry) {
            id = e.id; market = e.market.rawValue; category = e.category.rawValue; term = e.term; variants = e.variants.joined(separator: "\n")
            language = e.language; match = e.match.rawValue; requires = e.requires.joined(separator: " | "); severity = String(e.severity)
            source = e.source; sourceUrl = e.sourceURL; effectiveFrom = e.effectiveFrom; note = e.note
        }

        init(_ f: FormFields) {
            func v(_ k: String, _ max: Int) -> String { String((f[k] ?? "").replacingOccurrences(of: "\r\n", with: "\n").prefix(max)) }
            id = v("id", 100); market = v("market", 20); category = v("category", 20); term = v("term", 500); variants = v("variants", 20_000)
            language = v("language", 20); match = v("match", 20); requires = v("requires", 2000); severity = v("severity", 5)
            source = v("source", 1000); sourceUrl = v("sourceUrl", 2000); effectiveFrom = v("effectiveFrom", 20); note = v("note", 2000)
            summary = v("summary", 500)
        }

        static func list(_ s: String) -> [String] {
            s.split(whereSeparator: { $0 == "\n" || $0 == "|" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        var input: CatalogueRuleInput {
            // A severity that is not a number is sent as 0, so it is refused rather than defaulted.
            let sev = severity.trimmingCharacters(in: .whitespaces)
            return CatalogueRuleInput(id: id, market: market, category: category, term: term, variants: Self.list(variants),
                                      language: language.trimmingCharacters(in: .whitespaces), match: match, requires: Self.list(requires),
                                      severity: sev.isEmpty ? nil : (Int(sev) ?? 0), source: source, sourceUrl: sourceUrl,
                                      effectiveFrom: effectiveFrom, note: note)
        }
    }

    func form(_ r: Request, _ c: AppRequestContext, editing: String?) async throws -> Response {
        let s = try routes.session(c)
        let entry = try await services.catalogue.draft(editing: editing, by: s.principal)
        return formPage(r, c, editing: editing, values: entry.map(Values.init) ?? Values(), errors: [:], general: nil, status: .ok)
    }

    func formPage(_ r: Request, _ c: AppRequestContext, editing: String?, values: Values, errors: [String: String], general: String?,
                  status: HTTPResponse.Status) -> Response {
        let lang = c.language
        let err = CatalogueRuleFormPageModel.Errors(
            id: errors["id"], market: errors["market"], category: errors["category"], term: errors["term"], variants: errors["variants"],
            language: errors["language"], match: errors["match"], requires: errors["requires"], severity: errors["severity"],
            source: errors["source"], sourceUrl: errors["sourceUrl"], effectiveFrom: errors["effectiveFrom"], note: errors["note"],
            summary: errors["summary"] ?? errors["ops"] ?? errors["rule"])
        let title = editing.map { "\(Self.t("ceEditRule", lang)) \($0)" } ?? Self.t("ceAddRule", lang)
        let model = CatalogueRuleFormPageModel(
            pageTitle: title, heading: title, isNew: editing == nil, ruleId: editing ?? "",
            action: editing.map { Self.ruleHref($0) } ?? "/console/catalogue/rules",
            cancelHref: editing.map { Self.ruleHref($0) } ?? "/console/catalogue/rules",
            values: values, err: err, hasErrors: errors.isEmpty && general == nil ? nil : true, general: general,
            marketOptions: Market.allCases.map { Option(value: $0.rawValue, label: "\($0.label(lang)) (\($0.rawValue))", selected: $0.rawValue == values.market) },
            categoryOptions: RuleCategory.catalogued.map {
                Option(value: $0.rawValue, label: Self.categoryLabel($0.rawValue, lang), selected: $0.rawValue == values.category)
            },
            severityOptions: (1...5).map { Option(value: String($0), label: String($0), selected: String($0) == values.severity) },
            matchOptions: [("word", "ceMatchWord"), ("substring", "ceMatchSubstring")].map {
                Option(value: $0.0, label: Self.t($0.1, lang), selected: $0.0 == values.match)
            })
        return routes.page(model, c, r, status: status)
    }

    func save(_ r: Request, _ c: AppRequestContext, editing: String?) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        let values = Values(f)
        do {
            let change = try await services.catalogue.proposeRule(values.input, editing: editing, summary: values.summary, by: s.principal)
            return routes.redirect("/console/catalogue/changes/\(change.id.rawValue)", flash: Flash(message: LocalizedText(
                en: "Proposed: “\(change.summary)”. Another officer must approve it before it screens listings.",
                zh: "已提交：“\(change.summary)”。须经另一位合规人员批准后才用于筛查商品。")(c.language), isError: false))
        } catch let e as ValidationError {
            var errors: [String: String] = [:]
            for fe in e.fieldErrors where errors[fe.field] == nil { errors[fe.field] = fe.message(c.language) }
            return formPage(r, c, editing: editing, values: values, errors: errors, general: nil, status: .unprocessableContent)
        } catch let e as CommonError where e.kind == .conflict {
            return formPage(r, c, editing: editing, values: values, errors: [:], general: e.detail(c.language), status: .conflict)
        }
    }

    func retire(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        let f = try await routes.form(r, c)
        do {
            let change = try await services.catalogue.proposeRetirement(id, reason: f["reason"], by: s.principal)
            return routes.redirect("/console/catalogue/changes/\(change.id.rawValue)", flash: Flash(message: LocalizedText(
                en: "Retiring rule \(id) proposed; another officer must approve it.", zh: "已提议停用规则 \(id)，须经另一位合规人员批准。")(c.language),
                isError: false))
        } catch let e as ValidationError {
            return routes.redirect(Self.ruleHref(id), flash: Flash(message: e.fieldErrors.map { $0.message(c.language) }.joined(separator: " "), isError: true))
        }
    }

    // MARK: a change and its diff

    func change(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let id = try c.parameters.require("id")
        let (ch, diff, base) = try await services.catalogue.changeDiff(id, by: p)
        var actors: [String: String] = [:]
        let mayDecide = services.catalogue.mayDecide(ch, by: p)
        let next = base + 1
        let proposer = await routes.actorName(ch.proposedBy, by: p, cache: &actors)
        var decider: String?
        if ch.decidedBy != nil { decider = await routes.actorName(ch.decidedBy, by: p, cache: &actors) }
        func block(_ e: CatalogueEntry) -> CatalogueChangePageModel.Rule {
            .init(id: e.id, href: Self.ruleHref(e.id), term: e.term, marketLabel: Self.display("market", e.market.rawValue, lang),
                  categoryLabel: Self.categoryLabel(e.category.rawValue, lang), facts: Self.facts(e, lang))
        }
        let model = CatalogueChangePageModel(
            pageTitle: "\(Self.t("ceChange", lang)) · \(ch.summary)", id: ch.id.rawValue, summary: ch.summary, status: ch.status.rawValue,
            statusLabel: Self.t("change.\(ch.status.rawValue)", lang),
            proposedBy: proposer, proposedAt: routes.date(ch.proposedAt, lang),
            mine: ch.proposedBy == p.personId,
            decidedBy: decider,
            decidedAt: ch.decidedAt.map { routes.date($0, lang) }, decisionReason: ch.decisionReason,
            resultVersion: ch.resultVersion, baseVersion: base, opsCount: ch.ops.count,
            regulationIds: ch.regulationIds.isEmpty ? nil : ch.regulationIds.joined(separator: ", "),
            added: diff.added.prefix(500).map(block),
            changed: diff.changed.prefix(500).map { d in
                .init(id: d.new.id, href: Self.ruleHref(d.new.id), term: d.new.term, fields: d.fields.map { fc in
                    .init(field: fc.field, label: Self.t("ceField.\(fc.field)", lang), old: Self.display(fc.field, fc.old, lang),
                          new: Self.display(fc.field, fc.new, lang))
                })
            },
            retired: diff.retired.prefix(500).map(block),
            hasAdded: diff.added.isEmpty ? nil : true, hasChanged: diff.changed.isEmpty ? nil : true,
            hasRetired: diff.retired.isEmpty ? nil : true,
            counts: LocalizedText(en: "\(diff.added.count) added · \(diff.changed.count) changed · \(diff.retired.count) retired",
                                  zh: "新增 \(diff.added.count) 条 · 修改 \(diff.changed.count) 条 · 停用 \(diff.retired.count) 条")(lang),
            truncated: max(diff.added.count, diff.changed.count, diff.retired.count) > 500 ? true : nil,
            noDiff: diff.isEmpty ? true : nil,
            canDecide: mayDecide ? true : nil,
            waiting: ch.status == .pending && !mayDecide && ch.proposedBy == p.personId && p.can(.catalogueEdit) ? true : nil,
            confirmApprove: LocalizedText(
                en: "Approve “\(ch.summary)”? It goes live at once as catalogue v\(next) and the live listings of the markets it touches are screened again.",
                zh: "批准“\(ch.summary)”？将立即生效为规则目录 v\(next)，相关市场的在售商品将重新筛查。")(lang),
            confirmReject: LocalizedText(
                en: "Reject “\(ch.summary)”? It cannot be approved afterwards; it would have to be proposed again.",
                zh: "驳回“\(ch.summary)”？驳回后不能再批准，须重新提交。")(lang))
        return routes.page(model, c, r)
    }
}

struct CatalogueRulesPageModel: PageModel {
    static let template = "catalogue-rules"
    static let nav = "catalogue"
    static let titleKey = "ceRules"

    struct ChangeLink: Sendable {
        let id: String
        let href: String
    }

    struct Row: Sendable {
        let id: String
        let href: String
        let term: String
        let variants: String
        let moreVariants: Int?
        let market: String
        let marketLabel: String
        let category: String
        let categoryLabel: String
        let severity: Int
        let source: String
        let sourceURL: String?
        let effectiveFrom: String
        let status: String
        let statusLabel: String
        let pendingChange: ChangeLink?
    }

    let q: String
    let version: Int
    let count: Int
    let headers: [ConsoleTable.Header]
    let rows: [Row]
    let marketOptions: [Option]
    let categoryOptions: [Option]
    let severityOptions: [Option]
    let statusOptions: [Option]
    let mayEdit: Bool
    var nextHref: String?
    var firstHref: String?
}

struct CatalogueRulePageModel: PageModel {
    static let template = "catalogue-rule"
    static let nav = "catalogue"
    static let titleKey = "ceRule"

    struct Fact: Sendable {
        let field: String
        let label: String
        let value: String
    }

    struct Version: Sendable {
        let version: Int
        let action: String
        let actionLabel: String
        let changeId: String?
        let changeHref: String?
        let by: String
        let at: String
    }

    struct Hit: Sendable {
        let listingId: String
        let listingHref: String
        let title: String
        let merchantName: String
        let merchantId: String
        let market: String
        let marketLabel: String
        let matched: String
        let field: String
        let disposition: String
        let dispositionLabel: String
        let listingStatus: String
        let screenedAt: String
    }

    let pageTitle: String
    let id: String
    let term: String
    let status: String
    let statusLabel: String
    let retired: Bool
    let facts: [Fact]
    let sourceURL: String?
    let source: String
    let introducedIn: String
    let lastChangedIn: String
    let history: [Version]
    let pendingChange: CatalogueRulesPageModel.ChangeLink?
    let hits: [Hit]
    var hitsNextHref: String?
    let mayEdit: Bool
    let editHref: String
    let confirmRetire: String
}

struct CatalogueRuleFormPageModel: PageModel {
    static let template = "catalogue-rule-form"
    static let nav = "catalogue"
    static let titleKey = "ceAddRule"

    /// Each field's error, shown next to it.
    struct Errors: Sendable {
        let id: String?
        let market: String?
        let category: String?
        let term: String?
        let variants: String?
        let language: String?
        let match: String?
        let requires: String?
        let severity: String?
        let source: String?
        let sourceUrl: String?
        let effectiveFrom: String?
        let note: String?
        let summary: String?
    }

    let pageTitle: String
    let heading: String
    let isNew: Bool
    let ruleId: String
    let action: String
    let cancelHref: String
    let values: CatalogueRulesPage.Values
    let err: Errors
    let hasErrors: Bool?
    let general: String?
    let marketOptions: [Option]
    let categoryOptions: [Option]
    let severityOptions: [Option]
    let matchOptions: [Option]
}

struct CatalogueChangePageModel: PageModel {
    static let template = "catalogue-change"
    static let nav = "catalogue"
    static let titleKey = "ceChange"

    struct Rule: Sendable {
        let id: String
        let href: String
        let term: String
        let marketLabel: String
        let categoryLabel: String
        let facts: [CatalogueRulePageModel.Fact]
    }

    struct FieldDiff: Sendable {
        let field: String
        let label: String
        let old: String
        let new: String
    }

    struct Changed: Sendable {
        let id: String
        let href: String
        let term: String
        let fields: [FieldDiff]
    }

    let pageTitle: String
    let id: String
    let summary: String
    let status: String
    let statusLabel: String
    let proposedBy: String
    let proposedAt: String
    let mine: Bool
    let decidedBy: String?
    let decidedAt: String?
    let decisionReason: String?
    let resultVersion: Int?
    let baseVersion: Int
    let opsCount: Int
    let regulationIds: String?
    let added: [Rule]
    let changed: [Changed]
    let retired: [Rule]
    let hasAdded: Bool?
    let hasChanged: Bool?
    let hasRetired: Bool?
    let counts: String
    let truncated: Bool?
    let noDiff: Bool?
    let canDecide: Bool?
    let waiting: Bool?
    let confirmApprove: String
    let confirmReject: String
}
