import Hummingbird
import HummingbirdCore
import Kernel

/// Request targets (path + query) over `maxBytes` are answered 414 with problem+json before any lookup.
///
/// The HTTP parser itself refuses a request line over its header-field limit with a bare 400 and closes the
/// connection before the router runs, so the server raises that limit (`HTTPLimits.server`) well above
/// `maxBytes`: everything between the two gets this problem+json answer.
struct URILimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let maxBytes = 8 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.description.utf8.count <= Self.maxBytes else { throw URITooLong(limitBytes: Self.maxBytes) }
        return try await next(request, context)
    }
}

struct URITooLong: AppError {
    let limitBytes: Int
    var code: String { "uri-too-long" }
    var kind: ErrorKind { .uriTooLong }
    var title: LocalizedText { LocalizedText(en: "URI too long", zh: "请求地址过长") }
    var detail: LocalizedText {
        LocalizedText(en: "The request path and query exceed \(limitBytes) bytes.", zh: "请求路径与查询参数超过 \(limitBytes) 字节上限。")
    }
}

/// HTTP/1 server limits.
public enum HTTPLimits {
    /// Request line and each header up to 1 MiB reach the application (which answers 414 above 8 KiB);
    /// beyond that NIO's parser answers a bare 400 and closes the connection.
    public static let maxHeaderFieldBytes = 1024 * 1024
    public static var server: HTTPServerBuilder {
        .http1(configuration: .init(httpDecoderConfiguration: .init(maxHeaderFieldSize: maxHeaderFieldBytes,
                                                                    maxHeaderListSize: maxHeaderFieldBytes + 64 * 1024)))
    }
}
