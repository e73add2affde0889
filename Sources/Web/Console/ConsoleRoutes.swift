import Foundation
import HTTPTypes
import Hummingbird
import Kernel
import NIOCore
import Parties

/// Server-rendered console pages (zh-CN / en) over the same services as the API.
struct ConsoleRoutes {
    let services: AppServices
    let views: Views
    var parties: PartiesServices { services.parties }
    static let flashCookie = "tl_flash"

    func register(on router: Router<AppRequestContext>) {
        router.get("/") { _, _ in Response.redirect(to: "/console") }
        router.get("notices", use: notices)
        router.get("static/console.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ConsoleAssets.css))
        }
        router.get("static/console.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ConsoleAssets.js))
        }
        // Browsers ask for /favicon.ico on every site; pages link the SVG (issue 12 item 12).
        router.get("favicon.ico") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/x-icon", .cacheControl: "public, max-age=86400"],
                     body: .init(byteBuffer: ConsoleAssets.faviconICO))
        }
        router.get("static/favicon.svg") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "public, max-age=86400"],
                     body: .init(byteBuffer: ConsoleAssets.faviconSVG))
        }
        let console = router.group("console").add(middleware: CSRFMiddleware())
            .add(middleware: TwoFactorGateMiddleware())
            .add(middleware: InboxBadgeMiddleware(notifications: services.notifications))
        console.get("login", use: loginPage)
        console.post("login", use: login)
        console.get("login/verify", use: secondStepPage)
        console.post("login/verify", use: secondStep)
        AccountPage(routes: self).register(on: console)
        console.post("logout", use: logout)
        console.post("language", use: switchLanguage)
        console.get("", use: dashboard)
        console.get("merchants", use: merchants)
        console.get("merchants/:id", use: merchant)
        console.post("merchants/:id/exit", use: { r, c in try await merchantAction(r, c, "exit") })
        console.post("merchants/:id/exit/withdraw", use: { r, c in try await merchantAction(r, c, "withdraw") })
        console.post("merchants/:id/close", use: { r, c in try await merchantAction(r, c, "close") })
        console.get("kyc", use: kycQueue)
        console.get("kyc/:id", use: kycSubmission)
        console.post("kyc/bulk", use: kycBulk)
        console.post("kyc/:id/:action", use: kycAction)
        console.get("kyc-documents/:id", use: document)
        ScreeningPage(routes: self).register(on: console)
        ListingsPage(routes: self).register(on: console)
        TakedownsPage(routes: self).register(on: console)
        RecordPages(routes: self).register(on: console)
        CataloguePage(routes: self).register(on: console)
        CatalogueRulesPage(routes: self).register(on: console)
        PenaltiesPage(routes: self).register(on: console)
        CertificationsPage(routes: self).register(on: console)
        RegulationsPage(routes: self).register(on: console)
        DeadlinesPage(routes: self).register(on: console)
        JobsPage(routes: self).register(on: console)
        WebhooksPage(routes: self).register(on: console)
        InboxPage(routes: self).register(on: console)
        UsersPage(routes: self).register(on: console)
        NewMerchantPage(routes: self).register(on: console)
        PublicListingPage(routes: self).register(on: router)
        console.get("api-keys", use: apiKeys)
        console.post("api-keys", use: createKey)
        console.post("api-keys/:id/revoke", use: revokeKey)
    }

    // MARK: plumbing

    /// Console pages need a session; API keys are not accepted here.
    func session(_ c: AppRequestContext) throws -> AccessService.Session {
        guard let s = c.session else { throw ConsoleRedirect.login }
        return s
    }

    /// The header and footer's part of every page (language, strings, nav, user, CSRF token, unread badge, flash).
    func chrome(_ c: AppRequestContext, _ r: Request, nav: String, titleKey: String) -> ConsoleChrome {
        let lang = c.language
        let t = ConsoleStrings.dictionary(lang)
        var chrome = ConsoleChrome(lang: lang.rawValue, t: t, isZh: lang == .zh, path: r.uri.path, pageTitle: t[titleKey] ?? "Tradelane", nav: nav)
        if let s = c.session {
            chrome.user = .init(displayName: s.user.displayName, email: s.user.email, role: s.user.role.label(lang))
            chrome.csrf = s.csrfToken
            chrome.isOperator = s.user.role.isOperator
            chrome.isReviewer = s.principal.can(.kycReview)
            chrome.isAdmin = s.principal.can(.apiKeysManage)
            chrome.isOperatorAdmin = JobQueue.mayOperate(s.principal)
            chrome.may = ConsoleNav.may(s.principal)
            chrome.hasUnread = c.unreadNotifications > 0
            chrome.unreadCount = c.unreadNotifications
        }
        if let flash = r.cookies[Self.flashCookie]?.value, let decoded = Flash.decode(flash) {
            chrome.flash = .init(message: decoded.message, isError: decoded.isError)
        }
        return chrome
    }

    /// Renders a page model with the chrome and clears any flash cookie that was shown.
    func page<Page: PageModel>(_ model: Page, _ c: AppRequestContext, _ r: Request, status: HTTPResponse.Status = .ok) -> Response {
        let view = ConsoleView(page: model, chrome: chrome(c, r, nav: Page.nav, titleKey: Page.titleKey))
        var response = views.render(view, status: status)
        if r.cookies[Self.flashCookie] != nil {
            response.setCookie(Cookie(name: Self.flashCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }

    func redirect(_ to: String, flash: Flash? = nil) -> Response {
        var response = Response.redirect(to: to, type: .normal)
        if let flash {
            response.setCookie(Cookie(name: Self.flashCookie, value: flash.encoded, maxAge: 60, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }

    /// Runs a console command; a domain error comes back as a red flash on the page instead of an error page.
    func command(_ c: AppRequestContext, back: String, ok: (Language) -> String, _ body: () async throws -> Void) async throws -> Response {
        do {
            try await body()
            return redirect(back, flash: Flash(message: ok(c.language), isError: false))
        } catch let e as any AppError {
            var msg = e.detail(c.language)
            if !e.fieldErrors.isEmpty { msg = e.fieldErrors.map { $0.message(c.language) }.joined(separator: " ") }
            return redirect(back, flash: Flash(message: msg, isError: true))
        }
    }

    func form(_ r: Request, _ c: AppRequestContext) async throws -> FormFields {
        var r = r
        let body = try await r.collectBody(upTo: c.maxUploadSize)
        return FormFields(String(buffer: body))
    }

    /// Today on the Chinese calendar (the day compliance deadlines are counted in).
    var today: LocalDate { LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone) }

    /// A display name for an actor id (`usr_…` looked up, cached per request); other ids as they are.
    func actorName(_ id: String?, by p: Principal, cache: inout [String: String]) async -> String {
        guard let id, !id.isEmpty else { return "—" }
        if let hit = cache[id] { return hit }
        var name = id
        if id.hasPrefix("usr_"), let u = try? await parties.users.get(.init(unchecked: id), by: p) { name = u.displayName }
        cache[id] = name
        return name
    }

    /// Merchant names visible to the caller, by id (≤ 500).
    func merchantNames(by p: Principal) async -> [String: String] {
        guard let page = try? await parties.merchants.list(MerchantListQuery(sort: "name", limit: 500), by: p) else { return [:] }
        return Dictionary(page.items.map { ($0.id.rawValue, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    func date(_ d: Date?, _ lang: Language) -> String {
        guard let d else { return "—" }
        var style = Date.FormatStyle(date: .numeric, time: .shortened, locale: Locale(identifier: lang == .zh ? "zh_CN" : "en_GB"),
                                     timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        style.calendar = Calendar(identifier: .gregorian)
        return d.formatted(style)
    }

    // MARK: login, logout, language

    func loginPage(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        if c.session != nil { return Response.redirect(to: "/console") }
        return loginForm(r, c, status: .ok)
    }

    static let loginCSRFCookie = "tl_login_csrf"
    /// Set when the language is switched on a page shown before login, so that login keeps it.
    static let languageChosenCookie = "tl_lang_chosen"

    /// The login page with a pre-session CSRF token (double submit): a random value in a SameSite=Strict,
    /// HttpOnly cookie that the form must send back in `_csrf`. Another site can neither read nor set it.
    func loginForm(_ r: Request, _ c: AppRequestContext, status: HTTPResponse.Status,
                   _ edit: (inout LoginPageModel) -> Void = { _ in }) -> Response {
        let token = r.cookies[Self.loginCSRFCookie].flatMap { $0.value.isEmpty ? nil : $0.value } ?? RandomToken.make()
        var model = LoginPageModel(loginCsrf: token, csrf: token)
        edit(&model)
        var response = page(model, c, r, status: status)
        response.setCookie(Cookie(name: Self.loginCSRFCookie, value: token, maxAge: 3600, path: "/console",
                                  secure: services.config.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func clientAddress(_ r: Request, _ c: AppRequestContext) -> String? {
        ClientAddress.resolve(peer: c.remoteAddress?.ipAddress, forwardedFor: r.headers[HTTPField.Name("X-Forwarded-For")!],
                              trustForwardedFor: services.config.trustForwardedFor)
    }

    func login(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let f = try await form(r, c)
        guard let cookie = r.cookies[Self.loginCSRFCookie]?.value, !cookie.isEmpty, let sent = f["_csrf"],
              ConstantTime.equal(sent, cookie) else { throw ConsoleError.badCSRF }
        let step: AccessService.LoginStep?
        do {
            step = try await parties.access.beginLogin(email: f["email"] ?? "", password: f["password"] ?? "", clientAddress: clientAddress(r, c),
                                                       userAgent: r.headers[.userAgent])
        } catch let e as LoginThrottled {
            var response = loginForm(r, c, status: .tooManyRequests) { model in
                model.throttled = e.detail(c.language)
                model.email = f["email"] ?? ""
            }
            response.headers[HTTPField.Name("Retry-After")!] = String(e.retryAfter)
            return response
        }
        switch step {
        case nil:
            return loginForm(r, c, status: .unauthorized) { model in
                model.loginError = true
                model.email = f["email"] ?? ""
            }
        case .secondFactor(let challenge)?:
            // Password right, two-factor on: the second step, with the pending log-in in a short-lived cookie.
            var response = Response.redirect(to: "/console/login/verify", type: .normal)
            response.setCookie(Cookie(name: Self.pendingLoginCookie, value: challenge, maxAge: Int(parties.context.settings.loginChallengeLifetime),
                                      path: "/console", secure: services.config.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        case .session(let s)?:
            return try await signedIn(s, r, c)
        }
    }

    /// The response that starts a session: cookies set, language kept, sent to the dashboard (or, when two-factor is
    /// required and not set up, to the Account page to enrol).
    func signedIn(_ s: AccessService.Session, _ r: Request, _ c: AppRequestContext) async throws -> Response {
        // A language picked on the login page itself wins over the stored one, and is remembered (issue 12 item 12);
        // a cookie left by an earlier session on a shared browser does not (it carries no "chosen" marker).
        var language = s.user.language
        if r.cookies[Self.languageChosenCookie]?.value == "1",
           let chosen = r.cookies[AuthMiddleware.languageCookie].flatMap({ Language(code: $0.value) }), chosen != language {
            _ = try await parties.users.update(s.user.id, UserInput(language: chosen.rawValue), by: s.principal)
            language = chosen
        }
        var response = Response.redirect(to: s.mustEnrolTwoFactor ? "/console/account" : "/console", type: .normal)
        response.setCookie(Cookie(name: Self.loginCSRFCookie, value: "", maxAge: 0, path: "/console", httpOnly: true, sameSite: .strict))
        response.setCookie(Cookie(name: Self.pendingLoginCookie, value: "", maxAge: 0, path: "/console", httpOnly: true, sameSite: .strict))
        response.setCookie(Cookie(name: Self.languageChosenCookie, value: "", maxAge: 0, path: "/console", httpOnly: true, sameSite: .strict))
        response.setCookie(Cookie(name: AuthMiddleware.sessionCookie, value: s.token, maxAge: Int(parties.context.settings.sessionLifetime),
                                  path: "/", secure: services.config.secureCookies, httpOnly: true, sameSite: .lax))
        response.setCookie(Cookie(name: AuthMiddleware.languageCookie, value: language.rawValue, maxAge: 31_536_000,
                                  path: "/", secure: services.config.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    func logout(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        if let s = c.session { try await parties.access.logout(token: s.token) }
        var response = Response.redirect(to: "/console/login", type: .normal)
        response.setCookie(Cookie(name: AuthMiddleware.sessionCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
        return response
    }

    /// Remembered on the user (and in a cookie for pages before login).
    func switchLanguage(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let f = try await form(r, c)
        let lang = Language(code: f["lang"] ?? "") ?? .en
        if let s = c.session, s.user.language != lang {
            _ = try await parties.users.update(s.user.id, UserInput(language: lang.rawValue), by: s.principal)
        }
        let back = f["return"].flatMap(SafeRedirect.localPath) ?? "/console"
        var response = Response.redirect(to: back, type: .normal)
        response.setCookie(Cookie(name: AuthMiddleware.languageCookie, value: lang.rawValue, maxAge: 31_536_000, path: "/",
                                  secure: services.config.secureCookies, httpOnly: true, sameSite: .lax))
        if c.session == nil {
            // Chosen before signing in: the login that follows keeps it.
            response.setCookie(Cookie(name: Self.languageChosenCookie, value: "1", maxAge: 3600, path: "/console",
                                      secure: services.config.secureCookies, httpOnly: true, sameSite: .strict))
        }
        return response
    }

    // MARK: dashboard

    func dashboard(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        return page(try await DashboardBuilder(routes: self).build(r, c, s), c, r)
    }
}

/// The login form (also shown again after a failed or throttled attempt).
struct LoginPageModel: PageModel {
    static let template = "login"
    let loginCsrf: String
    /// The pre-session token also fills the header's language forms.
    let csrf: String
    var throttled: String?
    var loginError: Bool?
    var email: String?
}

/// A one-shot message shown after a redirect (POST/redirect/GET).
struct Flash {
    let message: String
    let isError: Bool
    var encoded: String {
        let raw = (isError ? "e|" : "o|") + message
        return Data(raw.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    static func decode(_ s: String) -> Flash? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard let d = Data(base64Encoded: b), let text = String(data: d, encoding: .utf8), text.count > 2 else { return nil }
        return Flash(message: String(text.dropFirst(2)), isError: text.hasPrefix("e|"))
    }
}

/// Unauthenticated console request: send the person to the login page.
enum ConsoleRedirect: Error, HTTPResponseError {
    case login
    var status: HTTPResponse.Status { .seeOther }
    var headers: HTTPFields { [.location: "/console/login"] }
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.redirect(to: "/console/login", type: .normal)
    }
}
