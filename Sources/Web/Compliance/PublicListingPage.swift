import Compliance
import Foundation
import Hummingbird
import Kernel
import Parties

/// The buyer-facing page of a live listing (no login): the disclosures of T/CATIS 030 §5.3 and the certificates
/// on file with their state (CMP5, CMP8). Anything not on sale is a 404.
struct PublicListingPage: ConsolePage {
    let routes: ConsoleRoutes
    static let reader = Principal(actorId: "system:public", userId: nil, merchantId: nil, role: .operatorAdmin, channel: .system)

    func register(on router: Router<AppRequestContext>) {
        router.get("p/listings/:id", use: show)
    }

    static let marketCurrency: [Market: String] = [.cn: "CNY", .us: "USD", .eu: "EUR", .uk: "GBP", .jp: "JPY", .au: "AUD"]

    /// Reference rates older than this are shown as stale: the conversion is then only a rough guide.
    static let staleAfterDays = 7

    static func conversions(_ price: Money, markets: [Market], fx: FXService, day: LocalDate) async throws
        -> (items: [PublicListingPageModel.Conversion], ratesDay: LocalDate?) {
        guard let rates = try await fx.rates(on: day) else { return ([], nil) }
        var seen = Set<String>()
        var out: [PublicListingPageModel.Conversion] = []
        for m in markets {
            guard let code = marketCurrency[m], code != price.currency.code, seen.insert(code).inserted,
                  let target = try? Currency(code), let converted = try? rates.convert(price, to: target),
                  let basis = rates.basis(from: price.currency, to: target) else { continue }
            out.append(.init(currency: code, amount: converted.decimalString, basis: basis))
        }
        return (out, rates.day)
    }

    /// Why the conversions are only a rough guide, when the newest rates are more than `staleAfterDays` old.
    static func staleNote(ratesDay: LocalDate?, today: LocalDate, _ lang: Language) -> String? {
        guard let d = ratesDay, d.adding(days: staleAfterDays) < today else { return nil }
        return LocalizedText(en: "The exchange rates are from \(d), more than \(staleAfterDays) days ago: the converted prices are only a rough guide.",
                             zh: "汇率为 \(d) 的数据，已超过 \(staleAfterDays) 天，换算价格仅供粗略参考。")(lang)
    }

    /// Product photos are shown only from the hosts the operator allows (the page's policy names them), over HTTPS.
    static func allowedImage(_ url: String, hosts: [String]) -> Bool {
        guard let u = URL(string: url), u.scheme == "https", let host = u.host?.lowercased() else { return false }
        let withPort = u.port.map { "\(host):\($0)" } ?? host
        return hosts.contains(withPort)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let lang = c.language
        let id = try c.parameters.require("id")
        guard let l = try? await services.listings.get(.init(unchecked: id), by: Self.reader), l.status == .active else {
            return notFound(id, lang)
        }
        let today = routes.today
        let certs = try await services.certifications.forListing(l.content.certifications).filter { $0.merchantId == l.merchantId }
        let content = l.content
        // Prices in the currencies of the listing's markets, with the basis stated (T/CATIS 030 §5.4: multi-currency
        // prices show how they were converted). Indicative: the order is charged in the listing's currency.
        let (conversions, ratesDay) = try await Self.conversions(content.price, markets: content.markets, fx: services.fx, day: today)
        let hosts = (try? services.config.validatedImageHosts()) ?? []
        let model = PublicListingPageModel(
            pageTitle: content.title,
            listing: .init(
                id: l.id.rawValue, title: content.title, description: content.description,
                price: content.price.decimalString, currency: content.price.currency.code,
                hasCompareAt: content.compareAtPrice != nil, compareAt: content.compareAtPrice.map { "\($0.decimalString) \($0.currency.code)" } ?? "",
                unit: content.unit ?? "", hasUnit: !(content.unit ?? "").isEmpty,
                variationNotice: content.variationNotice ?? "", hasVariation: !(content.variationNotice ?? "").isEmpty,
                responsiblePerson: content.responsiblePerson ?? "", hasResponsible: !(content.responsiblePerson ?? "").isEmpty,
                origin: content.originCountry, brand: content.brand ?? "", hasBrand: !(content.brand ?? "").isEmpty,
                markets: content.markets.map { .init(code: $0.rawValue, label: $0.label(lang)) },
                attributes: content.attributes.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) },
                hasAttributes: !content.attributes.isEmpty,
                images: content.images.filter { Self.allowedImage($0.url, hosts: hosts) }.map { .init(url: $0.url, alt: $0.alt ?? content.title) },
                updatedAt: routes.date(l.updatedAt, lang)),
            conversions: conversions, hasConversions: !conversions.isEmpty,
            fxStaleNote: conversions.isEmpty ? nil : Self.staleNote(ratesDay: ratesDay, today: today, lang),
            certificates: certs.map { cert in
                let state = CertificationsPage.displayState(cert, today: today)
                return .init(id: cert.id.rawValue, type: cert.type, number: cert.number, issuer: cert.issuer,
                             issuedOn: cert.issuedOn?.description ?? "—", expiresOn: cert.expiresOn?.description ?? "—",
                             state: state, stateLabel: Self.t("cert.\(state)", lang))
            })
        var response = routes.page(model, c, r)
        response.headers[.contentSecurityPolicy] = ObservabilityMiddleware.policy(imageHosts: hosts)
        return response
    }

    func notFound(_ id: String, _ lang: Language) -> Response {
        let problem = Problem(type: "about:blank", title: ProblemMiddleware.genericText(404, lang).0, status: 404,
                              detail: Self.t("listingNotOnSale", lang), instance: "/p/listings/\(id)", code: "not-found", errors: nil)
        return routes.views.errorPage(status: 404, problem: problem, language: lang)
    }
}

struct PublicListingPageModel: PageModel {
    static let template = "public-listing"
    static let nav = "public"
    static let titleKey = "publicListing"
    struct Conversion: Sendable {
        let currency: String
        let amount: String
        let basis: String
    }

    struct Listing: Sendable {
        struct Market: Sendable {
            let code: String
            let label: String
        }

        struct Attribute: Sendable {
            let name: String
            let value: String
        }

        struct Image: Sendable {
            let url: String
            let alt: String
        }

        let id: String
        let title: String
        let description: String
        let price: String
        let currency: String
        let hasCompareAt: Bool
        let compareAt: String
        let unit: String
        let hasUnit: Bool
        let variationNotice: String
        let hasVariation: Bool
        let responsiblePerson: String
        let hasResponsible: Bool
        let origin: String
        let brand: String
        let hasBrand: Bool
        let markets: [Market]
        let attributes: [Attribute]
        let hasAttributes: Bool
        let images: [Image]
        let updatedAt: String
    }

    struct Certificate: Sendable {
        let id: String
        let type: String
        let number: String
        let issuer: String
        let issuedOn: String
        let expiresOn: String
        let state: String
        let stateLabel: String
    }

    /// The listing's title (overrides the chrome's).
    let pageTitle: String
    let listing: Listing
    let conversions: [Conversion]
    let hasConversions: Bool
    /// Set when the newest exchange rates are more than a week old.
    let fxStaleNote: String?
    let certificates: [Certificate]
}
