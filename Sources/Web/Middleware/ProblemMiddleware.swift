import Foundation
import Hummingbird
import Kernel
import Logging
import NIOCore

/// RFC 9457 problem document, localised by the request's language.
struct Problem: Encodable {
    struct Field: Encodable { let field: String; let code: String; let message: String }
    let type: String
    let title: String
    let status: Int
    let detail: String
    let instance: String
    let code: String
    let errors: [Field]?
}

/// Turns every thrown error into problem+json (API) or an HTML error page (console),
/// never leaking internals: unknown errors are logged and answered with a bare 500.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let views: Views?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let redirect as ConsoleRedirect {
            return try redirect.response(from: request, context: context)
        } catch {
            let language = Self.language(of: request)
            let (status, problem) = Self.problem(for: error, language: language, path: request.uri.path, logger: context.logger)
            let response = views != nil && Self.wantsHTML(request)
                ? views!.errorPage(status: status, problem: problem, language: language)
                : Self.response(status: status, problem: problem)
            return Self.withErrorHeaders(response, for: error)
        }
    }

    /// The headers an error asks for (`Retry-After`, `Allow`), whichever page or document answers it.
    static func withErrorHeaders(_ response: Response, for error: any Error) -> Response {
        var response = response
        if let e = error as? any RetryAfterError { response.headers[.retryAfter] = String(e.retryAfterSeconds) }
        if let e = error as? MethodNotAllowed { response.headers[.allow] = e.allow }
        return response
    }

    /// The API follows Accept-Language; the console follows the language cookie it sets.
    static func language(of request: Request) -> Language {
        if !request.uri.path.hasPrefix("/api/"), let lang = request.cookies[AuthMiddleware.languageCookie].flatMap({ Language(code: $0.value) }) {
            return lang
        }
        return Language.negotiate(request.headers[.acceptLanguage])
    }

    static func wantsHTML(_ request: Request) -> Bool {
        !request.uri.path.hasPrefix("/api/") && (request.headers[.accept]?.contains("text/html") ?? false)
    }

    static func problem(for error: any Error, language: Language, path: String, logger: Logger) -> (Int, Problem) {
        if let e = error as? any AppError {
            let fields = e.fieldErrors.isEmpty ? nil : e.fieldErrors.map { Problem.Field(field: $0.field, code: $0.code, message: $0.message(language)) }
            return (e.kind.status, Problem(type: "https://tradelane.dev/problems/\(e.code)", title: e.title(language), status: e.kind.status,
                                           detail: e.detail(language), instance: path, code: e.code, errors: fields))
        }
        if error is NIOTooManyBytesError {
            return problem(for: CommonError.payloadTooLarge(limitBytes: 2 * 1024 * 1024), language: language, path: path, logger: logger)
        }
        if let e = error as? any HTTPResponseError {
            let status = Int(e.status.code)
            let (title, detail) = genericText(status, language)
            return (status, Problem(type: "about:blank", title: title, status: status, detail: detail, instance: path,
                                    code: "http-\(status)", errors: nil))
        }
        logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(path)"])
        let (title, detail) = genericText(500, language)
        return (500, Problem(type: "about:blank", title: title, status: 500, detail: detail, instance: path, code: "internal", errors: nil))
    }

    static func genericText(_ status: Int, _ lang: Language) -> (String, String) {
        switch status {
        case 404: return lang == .zh ? ("资源不存在", "请求的地址不存在。") : ("Not found", "No such resource.")
        case 405: return lang == .zh ? ("方法不允许", "此地址不支持该 HTTP 方法。") : ("Method not allowed", "This resource does not support the method.")
        case 413: return lang == .zh ? ("请求体过大", "请求体超过上限。") : ("Payload too large", "The body exceeds the limit.")
        case 414: return lang == .zh ? ("请求地址过长", "请求地址超过上限。") : ("URI too long", "The request URI exceeds the limit.")
        case 429: return lang == .zh ? ("请求过于频繁", "请求过于频繁，请稍后再试。") : ("Too many requests", "Too many requests; try again later.")
        case 400: return lang == .zh ? ("请求错误", "请求格式错误。") : ("Bad request", "The request is malformed.")
        case 500: return lang == .zh ? ("服务器内部错误", "服务器发生错误，已记录日志。") : ("Internal error", "An internal error occurred and was logged.")
        default: return lang == .zh ? ("请求失败", "请求失败（\(status)）。") : ("Request failed", "The request failed with status \(status).")
        }
    }

    static func response(status: Int, problem: Problem) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(problem)) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/problem+json; charset=utf-8"]
        if status == 401 { headers[.wwwAuthenticate] = "Bearer realm=\"tradelane\"" }
        headers[.contentLanguage] = problem.title.unicodeScalars.contains(where: { $0.value > 0x2E80 }) ? "zh-CN" : "en"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
