import Foundation
import Hummingbird
import Kernel
import Parties

/// The signed-in person's Account page (issue 12 item 11): two-factor sign-in (enrol with the otpauth URI or the
/// typed secret, confirm with a first code, recovery codes shown once), active sessions (end one or all others) and a
/// password change. An operator admin also sees who has two-factor on and can reset another person's.
/// The rules live in Parties (TwoFactorService, AccountService); this maps forms to them.
struct AccountPage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("account", use: show)
        console.post("account/two-factor/start", use: startEnrolment)
        console.post("account/two-factor/confirm", use: confirmEnrolment)
        console.post("account/two-factor/recovery-codes", use: regenerateCodes)
        console.post("account/password", use: changePassword)
        console.post("account/sessions/revoke-others", use: revokeOthers)
        console.post("account/sessions/:id/revoke", use: revokeSession)
        // Outside /console/account: a person who must still enrol cannot reach it (TwoFactorGateMiddleware).
        console.post("users/:id/reset-two-factor", use: resetTwoFactor)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        return routes.page(try await model(s, c), c, r)
    }

    /// The page as it stands; `edit` adds what one form post shows (errors, recovery codes).
    func model(_ s: AccessService.Session, _ c: AppRequestContext) async throws -> AccountPageModel {
        let lang = c.language
        let p = s.principal
        let parties = services.parties
        let status = try await parties.twoFactor.status(by: p)
        let enrolment = status.enabled ? nil : try await parties.twoFactor.enrolment(by: p)
        let sessions = try await parties.account.sessions(by: p)
        var model = AccountPageModel(
            displayName: s.user.displayName, email: s.user.email, roleLabel: s.user.role.label(lang),
            twoFactorOn: status.enabled, twoFactorSince: routes.date(status.enabledAt, lang), recoveryLeft: status.recoveryCodesLeft,
            twoFactorRequired: status.required, mustEnrol: s.mustEnrolTwoFactor,
            notStarted: !status.enabled && enrolment == nil,
            enrolment: enrolment.map { AccountPageModel.Enrolment(uri: $0.uri, secret: $0.secretGrouped) },
            sessions: sessions.map { x -> AccountPageModel.SessionRow in
                let current = x.id == s.id
                let browser = BrowserName.describe(x.userAgent)
                return .init(id: x.id.rawValue, started: routes.date(x.createdAt, lang), lastSeen: routes.date(x.lastSeenAt, lang),
                             address: x.clientAddress ?? "—", browser: browser, current: current,
                             confirmRevoke: LocalizedText(en: "End the session of \(browser) from \(x.clientAddress ?? "an unknown address"), started \(routes.date(x.createdAt, .en))? That browser is signed out at once.",
                                                          zh: "结束 \(browser)（\(x.clientAddress ?? "未知地址")，\(routes.date(x.createdAt, .zh)) 登录）的会话？该浏览器将立即退出登录。")(lang))
            },
            hasOtherSessions: sessions.contains { $0.id != s.id },
            canReset: p.can(.usersResetTwoFactor),
            confirmRegenerate: Self.t("accountConfirmRegenerate", lang), confirmRevokeOthers: Self.t("accountConfirmRevokeOthers", lang))
        if p.can(.usersResetTwoFactor) {
            model.holders = try await parties.twoFactor.holders(by: p).map { h -> AccountPageModel.Holder in
                .init(id: h.user.id.rawValue, name: h.user.displayName, email: h.user.email, role: h.user.role.label(lang),
                      since: routes.date(h.enabledAt, lang), isSelf: h.user.id == s.user.id,
                      confirmReset: LocalizedText(
                        en: "Reset two-factor sign-in of \(h.user.displayName) (\(h.user.email))? Their app and recovery codes stop working and their sessions end; they set it up again at their next log-in.",
                        zh: "重置 \(h.user.displayName)（\(h.user.email)）的两步验证？其验证器应用和恢复码将失效，现有会话将结束；其下次登录时须重新设置。")(lang))
            }
        }
        return model
    }

    /// Re-renders the page after a form post with what that post shows (HTTP 422 for errors, so tests and scripts see it).
    func rerender(_ s: AccessService.Session, _ r: Request, _ c: AppRequestContext, status: HTTPResponse.Status = .unprocessableContent,
                  _ edit: (inout AccountPageModel) -> Void) async throws -> Response {
        var m = try await model(s, c)
        edit(&m)
        return routes.page(m, c, r, status: status)
    }

    func startEnrolment(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        return try await routes.command(c, back: "/console/account#two-factor", ok: { Self.t("accountEnrolStarted", $0) }) {
            try await services.parties.twoFactor.beginEnrolment(by: s.principal)
        }
    }

    func confirmEnrolment(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        do {
            let codes = try await services.parties.twoFactor.confirmEnrolment(code: f["code"], by: s.principal)
            // This session was opened with the password alone; it stays, and from now on log-ins ask for a code.
            var shown = s
            shown.twoFactorEnabled = true
            shown.mustEnrolTwoFactor = false
            var c2 = c
            c2.session = shown
            return try await rerender(shown, r, c2, status: .ok) {
                $0.newCodes = .init(codes: codes.map { .init(code: $0) })
                $0.enabledNow = true
                $0.mustEnrol = nil
            }
        } catch let e as TwoFactorError where !e.fieldErrors.isEmpty {
            return try await rerender(s, r, c) { $0.codeError = e.detail(c.language) }
        } catch let e as TwoFactorError {
            return routes.redirect("/console/account", flash: Flash(message: e.detail(c.language), isError: true))
        }
    }

    func regenerateCodes(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let codes: [String]
        do {
            codes = try await services.parties.twoFactor.regenerateRecoveryCodes(by: s.principal)
        } catch let e as TwoFactorError {
            return routes.redirect("/console/account", flash: Flash(message: e.detail(c.language), isError: true))
        }
        return try await rerender(s, r, c, status: .ok) { $0.newCodes = .init(codes: codes.map { .init(code: $0) }) }
    }

    func changePassword(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        let lang = c.language
        do {
            let ended = try await services.parties.account.changePassword(
                current: f["currentPassword"], new: f["newPassword"], confirm: f["confirmPassword"], keeping: s.id, by: s.principal,
                clientAddress: routes.clientAddress(r, c))
            return routes.redirect("/console/account", flash: Flash(
                message: Self.t("accountPasswordChanged", lang).replacingOccurrences(of: "%d", with: String(ended)), isError: false))
        } catch let e as ValidationError {
            return try await rerender(s, r, c) { m in
                for fe in e.fieldErrors {
                    let text = Self.passwordMessage(fe, lang)
                    switch fe.field {
                    case "currentPassword": m.currentPasswordError = text
                    case "confirmPassword": m.confirmPasswordError = text
                    default: m.newPasswordError = text
                    }
                }
            }
        } catch let e as LoginThrottled {
            return try await rerender(s, r, c, status: .tooManyRequests) { $0.currentPasswordError = e.detail(lang) }
        }
    }

    /// The password policy's messages name the field by its key; the page says it in words.
    static func passwordMessage(_ e: FieldError, _ lang: Language) -> String {
        switch e.code {
        case "weak-password": t("accountPasswordTooShort", lang)
        case "too-long": t("accountPasswordTooLong", lang)
        default: e.message(lang)
        }
    }

    func revokeSession(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id: SessionID = try c.pathID()
        return try await routes.command(c, back: "/console/account#sessions", ok: { Self.t("accountSessionEnded", $0) }) {
            try await services.parties.account.revokeSession(id, by: s.principal)
        }
    }

    func revokeOthers(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        return try await routes.command(c, back: "/console/account#sessions", ok: { Self.t("accountOtherSessionsEnded", $0) }) {
            try await services.parties.account.revokeOtherSessions(keeping: s.id, by: s.principal)
        }
    }

    func resetTwoFactor(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id: UserID = try c.pathID()
        var name = id.rawValue
        let response = try await routes.command(c, back: "/console/account#reset", ok: { lang in
            Self.t("accountResetDone", lang).replacingOccurrences(of: "%@", with: name)
        }) {
            name = try await services.parties.twoFactor.reset(id, by: s.principal).displayName
        }
        return response
    }
}

/// What the Account page template reads.
struct AccountPageModel: PageModel {
    static let template = "account"
    static let titleKey = "accountTitle"

    struct Enrolment: Sendable {
        let uri: String
        let secret: String
    }

    struct RecoveryCode: Sendable {
        let code: String
    }

    /// Recovery codes just made, shown this once.
    struct NewCodes: Sendable {
        let codes: [RecoveryCode]
    }

    struct SessionRow: Sendable {
        let id: String
        let started: String
        let lastSeen: String
        let address: String
        let browser: String
        let current: Bool
        let confirmRevoke: String
    }

    struct Holder: Sendable {
        let id: String
        let name: String
        let email: String
        let role: String
        let since: String
        let isSelf: Bool
        let confirmReset: String
    }

    let displayName: String
    let email: String
    let roleLabel: String
    let twoFactorOn: Bool
    let twoFactorSince: String
    let recoveryLeft: Int
    let twoFactorRequired: Bool
    var mustEnrol: Bool?
    let notStarted: Bool
    let enrolment: Enrolment?
    let sessions: [SessionRow]
    let hasOtherSessions: Bool
    let canReset: Bool
    let confirmRegenerate: String
    let confirmRevokeOthers: String
    var holders: [Holder]?
    var newCodes: NewCodes?
    var enabledNow: Bool?
    var codeError: String?
    var currentPasswordError: String?
    var newPasswordError: String?
    var confirmPasswordError: String?
}

/// A short, readable name for a browser from its User-Agent ("Chrome 126 · Linux"); the raw header is stored.
enum BrowserName {
    static func describe(_ userAgent: String?) -> String {
        guard let ua = userAgent, !ua.isEmpty else { return "—" }
        func version(after marker: String) -> String? {
            guard let r = ua.range(of: marker) else { return nil }
            let v = ua[r.upperBound...].prefix { $0.isNumber }
            return v.isEmpty ? nil : String(v)
        }
        let browsers: [(String, String)] = [("Edg/", "Edge"), ("OPR/", "Opera"), ("HeadlessChrome/", "Headless Chrome"), ("Chrome/", "Chrome"),
                                            ("CriOS/", "Chrome"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox")]
        var browser: String?
        for (marker, name) in browsers {
            if let v = version(after: marker) { browser = "\(name) \(v)"; break }
        }
        if browser == nil, ua.contains("Safari/") { browser = "Safari" + (version(after: "Version/").map { " \($0)" } ?? "") }
        let systems: [(String, String)] = [("Windows", "Windows"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"),
                                           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]
        let system = systems.first { ua.contains($0.0) }?.1
        switch (browser, system) {
        case let (b?, s?): return "\(b) · \(s)"
        case let (b?, nil): return b
        default:
            // Scripts and tools: their first product token ("curl/8.5.0").
            return String(ua.prefix { $0 != " " }.prefix(40))
        }
    }
}
