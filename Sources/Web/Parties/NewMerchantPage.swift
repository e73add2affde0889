import Foundation
import Hummingbird
import Kernel
import Parties

/// Creating a merchant in the console (issue 12 item 8): operator admins onboard a store without the API. The form
/// picks the country and settlement currency from lists (names in the reader's language) and keeps what was typed
/// when something is refused. The merchant then invites its own people from the Users page.
struct NewMerchantPage {
    let routes: ConsoleRoutes
    var parties: PartiesServices { routes.parties }

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("merchants/new", use: { r, c in try await show(r, c, form: FormState()) })
        console.post("merchants", use: create)
    }

    func show(_ r: Request, _ c: AppRequestContext, form: FormState, status: HTTPResponse.Status = .ok) async throws -> Response {
        let s = try routes.session(c)
        try s.principal.require(.merchantsCreate)
        let locale = Locale(identifier: c.language == .zh ? "zh_CN" : "en_GB")
        let country = form.fields["country"]?.value ?? "CN"
        let currency = form.fields["settlementCurrency"]?.value ?? "CNY"
        let english = Locale(identifier: "en_GB")
        let named: [(String, String)] = CountryCodes.iso3166.map { code in
            let name = locale.localizedString(forRegionCode: code)
            return (code, name == nil || (c.language == .zh && name == english.localizedString(forRegionCode: code)) ? code : name!)
        }
        let countries = named
            .sorted { $0.1.compare($1.1, locale: locale) == .orderedAscending }
            .map { Option(value: $0.0, label: "\($0.1) (\($0.0))", selected: $0.0 == country) }
        let currencies = Currency.allCodes.map { code in
            // A currency the platform's Chinese locale data has no name for shows by its code alone, not in English.
            let name = locale.localizedString(forCurrencyCode: code)
            let untranslated = c.language == .zh && name == english.localizedString(forCurrencyCode: code)
            return Option(value: code, label: name == nil || untranslated ? code : "\(code) · \(name!)", selected: code == currency)
        }
        return routes.page(NewMerchantPageModel(form: form, countries: countries, currencies: currencies), c, r, status: status)
    }

    func create(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        do {
            let m = try await parties.merchants.create(MerchantInput(name: f["name"], legalName: f["legalName"].flatMap { $0.isEmpty ? nil : $0 },
                                                                     country: f["country"], contactEmail: f["contactEmail"],
                                                                     settlementCurrency: f["settlementCurrency"]), by: s.principal)
            return routes.redirect("/console/merchants/\(m.id)", flash: Flash(message: LocalizedText(
                en: "Created \(m.name). Next: invite its merchant admin from Users; they submit the KYC documents.",
                zh: "已创建商户 \(m.name)。下一步：在“用户”页邀请其商户管理员，由其提交资质审核材料。")(c.language), isError: false))
        } catch let e as any AppError {
            return try await show(r, c, form: FormState(f, error: e, language: c.language), status: .unprocessableContent)
        }
    }
}

struct NewMerchantPageModel: PageModel {
    static let template = "merchant-new"
    static let nav = "merchants"
    static let titleKey = "newMerchant"
    let form: FormState
    let countries: [Option]
    let currencies: [Option]
}
