import HTTPTypes
import Hummingbird

/// The routes by path, to tell "no such resource" (404) from "not with this method" (405 with `Allow`, RFC 9110
/// §15.5.6). Filled once from the router after every route is registered.
final class RouteMethods: Sendable {
    private let routes: [(components: [RouterPath.Element], method: HTTPRequest.Method)]

    init(_ routes: [Router<AppRequestContext>.RouteDescription]) {
        self.routes = routes.map { ($0.path.components, $0.method) }
    }

    /// The methods some route accepts at `path`, in a stable order; empty when no route has the path.
    func allowed(at path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var found = Set(routes.filter { Self.matches($0.components, segments) }.map(\.method.rawValue))
        if found.contains("GET") { found.insert("HEAD") }
        return found.sorted().map { HTTPRequest.Method($0)! }
    }

    static func matches(_ components: [RouterPath.Element], _ segments: [Substring]) -> Bool {
        var i = 0
        for c in components {
            if c == .recursiveWildcard { return true }
            guard i < segments.count, c ~= segments[i] else { return false }
            i += 1
        }
        return i == segments.count
    }
}

/// The error the router's "not found" becomes when the path exists for other methods.
struct MethodNotAllowed: HTTPResponseError {
    let allowed: [HTTPRequest.Method]
    var status: HTTPResponse.Status { .methodNotAllowed }
    var allow: String { allowed.map(\.rawValue).joined(separator: ", ") }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: [.allow: allow])
    }
}

/// Turns the router's 404 for a known path with another method into 405 (`ProblemMiddleware` renders it with
/// `Allow`). A handler's own "record not found" is an `AppError`, never the router's `HTTPError`, so it stays 404.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let table: @Sendable () -> RouteMethods?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = table()?.allowed(at: request.uri.path) ?? []
            if allowed.isEmpty || allowed.contains(request.method) { throw error }
            throw MethodNotAllowed(allowed: allowed)
        }
    }
}
