import Compliance
import Foundation
import Hummingbird
import Kernel

/// Console page to try the screening engine: verdict, findings table and the offending spans highlighted.
struct ScreeningPage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("screening", use: show)
        console.post("screening", use: run)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try routes.session(c)
        return routes.page(ScreeningPageModel(markets: markets(selected: .us, c.language)), c, r)
    }

    func run(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try routes.session(c)
        let f = try await routes.form(r, c)
        let market = Market(rawValue: f["market"] ?? "") ?? .us
        var model = ScreeningPageModel(markets: markets(selected: market, c.language), title: f["title"] ?? "", description: f["description"] ?? "",
                                       certifications: f["certifications"] ?? "")
        let certs = (f["certifications"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        do {
            let o = try await services.screening.screenOffLoop(ScreeningRequest(market: market.rawValue, title: f["title"],
                                                                  description: f["description"], certifications: certs))
            let lang = c.language
            model.result = .init(
                verdict: o.result.verdict.rawValue,
                verdictLabel: Self.verdictLabel(o.result.verdict)(lang),
                catalogueVersion: o.result.catalogueVersion,
                titleHTML: Self.highlight(f["title"] ?? "", o.result.findings.filter { $0.field == "title" }),
                descriptionHTML: Self.highlight(f["description"] ?? "", o.result.findings.filter { $0.field == "description" }),
                findings: o.result.findings.map { finding in
                    .init(ruleId: finding.ruleId, category: finding.category.rawValue, term: finding.term, matched: finding.matched,
                          field: finding.field, source: finding.source, active: finding.disposition == .active, reason: finding.reason ?? "")
                },
                hasFindings: !o.result.findings.isEmpty)
        } catch let e as any AppError {
            model.flash = .init(message: e.fieldErrors.isEmpty ? e.detail(c.language) : e.fieldErrors.map { $0.message(c.language) }.joined(separator: " "),
                                isError: true)
        }
        return routes.page(model, c, r)
    }

    func markets(selected: Market, _ lang: Language) -> [Option] {
        Market.destinations.map { Option(value: $0.rawValue, label: $0.label(lang), selected: $0 == selected) }
    }

    static func verdictLabel(_ v: Verdict) -> LocalizedText {
        switch v {
        case .pass: LocalizedText(en: "Pass", zh: "通过")
        case .review: LocalizedText(en: "Needs review", zh: "需人工复核")
        case .reject: LocalizedText(en: "Reject", zh: "拒绝")
        }
    }

    /// HTML-escaped text with `<mark>` around active findings (UTF-16 offsets, overlaps merged).
    static func highlight(_ text: String, _ findings: [Finding]) -> String {
        let units = Array(text.utf16)
        var spans = findings.filter { $0.disposition == .active }.map { ($0.start, $0.end) }.sorted { $0 < $1 }
        var merged: [(Int, Int)] = []
        for s in spans {
            if let last = merged.last, s.0 <= last.1 { merged[merged.count - 1].1 = max(last.1, s.1) } else { merged.append(s) }
        }
        spans = merged
        var out = ""
        var pos = 0
        func piece(_ a: Int, _ b: Int) -> String { BarChart.escape(String(decoding: units[a..<b], as: UTF16.self)) }
        for (a, b) in spans where a >= pos && b <= units.count {
            out += piece(pos, a) + "<mark>" + piece(a, b) + "</mark>"
            pos = b
        }
        return out + piece(pos, units.count)
    }
}

struct ScreeningPageModel: PageModel {
    static let template = "screening"
    struct Result: Sendable {
        struct Finding: Sendable {
            let ruleId: String
            let category: String
            let term: String
            let matched: String
            let field: String
            let source: String
            let active: Bool
            let reason: String
        }

        let verdict: String
        let verdictLabel: String
        let catalogueVersion: String
        let titleHTML: String
        let descriptionHTML: String
        let findings: [Finding]
        let hasFindings: Bool
    }

    let markets: [Option]
    /// The form as posted (absent on the empty form).
    var title: String?
    var description: String?
    var certifications: String?
    var result: Result?
    /// A screening error, shown like a flash (overrides the chrome's).
    var flash: ConsoleChrome.FlashMessage?
}
