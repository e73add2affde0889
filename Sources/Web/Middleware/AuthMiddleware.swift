import Foundation
import Hummingbird
import Kernel
import Parties

/// Resolves the caller: `Authorization: Bearer` on the API, the session cookie on the console.
/// It never rejects by itself (public pages exist); routes call `requirePrincipal()`.
/// A bearer token that does not resolve is rejected at once rather than treated as anonymous.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let access: AccessService
    static let sessionCookie = "tl_session"
    static let languageCookie = "tl_lang"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let path = request.uri.path
        let isAPI = path.hasPrefix("/api/")
        if isAPI {
            if let header = request.headers[.authorization] {
                let parts = header.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "bearer",
                      let p = try await access.principal(forToken: String(parts[1]).trimmingCharacters(in: .whitespaces))
                else { throw CommonError.unauthorized }
                context.principal = p
            }
            context.language = Language.negotiate(request.headers[.acceptLanguage])
        } else {
            if let token = request.cookies[Self.sessionCookie]?.value, !token.isEmpty,
               let session = try await access.session(forToken: token) {
                context.session = session
                context.principal = session.principal
                context.language = session.user.language
            } else if let lang = request.cookies[Self.languageCookie].flatMap({ Language(code: $0.value) }) {
                context.language = lang
            } else {
                context.language = Language.negotiate(request.headers[.acceptLanguage])
            }
        }
        return try await next(request, context)
    }
}

/// Rejects console form posts whose `_csrf` field does not match the session's token.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let session = context.session else { return try await next(request, context) }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let form = FormFields(String(buffer: body))
        let sent = form["_csrf"] ?? request.headers[.init("X-CSRF-Token")!] ?? ""
        guard !sent.isEmpty, ConstantTime.equal(sent, session.csrfToken) else { throw ConsoleError.badCSRF }
        return try await next(request, context)
    }
}

enum ConstantTime {
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// application/x-www-form-urlencoded fields (last value wins; `+` is a space).
struct FormFields: Sendable {
    let values: [String: String]
    init(_ text: String) {
        var v: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(kv[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[0])
            let value = kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            v[key] = value
        }
        values = v
    }
    subscript(_ key: String) -> String? { values[key] }
}

enum ConsoleError: AppError {
    case badCSRF
    var code: String { "csrf" }
    var kind: ErrorKind { .forbidden }
    var title: LocalizedText { LocalizedText(en: "Form expired", zh: "表单已失效") }
    var detail: LocalizedText {
        LocalizedText(en: "The form's security token is missing or wrong. Reload the page and try again.",
                      zh: "表单安全令牌缺失或错误，请刷新页面后重试。")
    }
}
