import Foundation
import HTTPTypes
import Hummingbird
import Kernel
import Parties

/// The second step of a console log-in (issue 12 item 11): after a correct password, a user with two-factor on types
/// the code from their app or a recovery code. The pending log-in lives in a short-lived, HttpOnly, SameSite=Strict
/// cookie; the form carries the login page's double-submit CSRF token.
extension ConsoleRoutes {
    static let pendingLoginCookie = "tl_pending_login"

    func secondStepPage(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        if c.session != nil { return Response.redirect(to: "/console") }
        guard let pending = r.cookies[Self.pendingLoginCookie]?.value, !pending.isEmpty else { return Response.redirect(to: "/console/login") }
        return secondStepForm(r, c, status: .ok)
    }

    func secondStepForm(_ r: Request, _ c: AppRequestContext, status: HTTPResponse.Status, _ edit: (inout SecondStepPageModel) -> Void = { _ in }) -> Response {
        let token = r.cookies[Self.loginCSRFCookie].flatMap { $0.value.isEmpty ? nil : $0.value } ?? RandomToken.make()
        var model = SecondStepPageModel(loginCsrf: token, csrf: token)
        edit(&model)
        var response = page(model, c, r, status: status)
        response.setCookie(Cookie(name: Self.loginCSRFCookie, value: token, maxAge: 3600, path: "/console",
                                  secure: services.config.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func secondStep(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let f = try await form(r, c)
        guard let cookie = r.cookies[Self.loginCSRFCookie]?.value, !cookie.isEmpty, let sent = f["_csrf"],
              ConstantTime.equal(sent, cookie) else { throw ConsoleError.badCSRF }
        let lang = c.language
        let outcome: AccessService.SecondStep
        do {
            outcome = try await parties.access.completeLogin(challenge: r.cookies[Self.pendingLoginCookie]?.value ?? "", code: f["code"] ?? "",
                                                             clientAddress: clientAddress(r, c), userAgent: r.headers[.userAgent])
        } catch let e as LoginThrottled {
            var response = secondStepForm(r, c, status: .tooManyRequests) { $0.codeError = e.detail(lang) }
            response.headers[HTTPField.Name("Retry-After")!] = String(e.retryAfter)
            return response
        }
        switch outcome {
        case .session(let s):
            return try await signedIn(s, r, c)
        case .refused(let left):
            return secondStepForm(r, c, status: .unauthorized) {
                $0.codeError = ConsoleStrings.text("accountCodeRefused", lang).replacingOccurrences(of: "%d", with: String(left))
            }
        case .expired:
            var response = redirect("/console/login", flash: Flash(message: ConsoleStrings.text("accountLoginExpired", lang), isError: true))
            response.setCookie(Cookie(name: Self.pendingLoginCookie, value: "", maxAge: 0, path: "/console", httpOnly: true, sameSite: .strict))
            return response
        }
    }
}

/// The code form of the second log-in step.
struct SecondStepPageModel: PageModel {
    static let template = "login-verify"
    static let nav = "login"
    static let titleKey = "accountVerifyTitle"
    let loginCsrf: String
    /// The pre-session token also fills the header's language forms.
    let csrf: String
    var codeError: String?
}

/// Two-factor required and not set up (operator roles in production): only the Account page (to enrol), logging
/// out and switching language are open; every other console request is sent to the Account page.
struct TwoFactorGateMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static func isOpen(_ path: String) -> Bool {
        path == "/console/account" || path.hasPrefix("/console/account/") || path == "/console/logout" || path == "/console/language"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let s = context.session, s.mustEnrolTwoFactor, !Self.isOpen(request.uri.path) else { return try await next(request, context) }
        return Response.redirect(to: "/console/account", type: .normal)
    }
}
