import Foundation
import Hummingbird

/// Request metrics for `/metrics` and the security headers every response carries.
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: AppMetrics
    /// `base-uri 'none'`: an injected `<base>` cannot re-point relative links and form actions.
    static let contentSecurityPolicy = policy(imageHosts: [])

    /// The console's policy, with product photos allowed from `imageHosts` over HTTPS only.
    static func policy(imageHosts: [String]) -> String {
        let images = (["'self'", "data:"] + imageHosts.map { "https://\($0)" }).joined(separator: " ")
        return "default-src 'self'; img-src \(images); style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.recordRequest(method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
                              status: Int(response.status.code), seconds: seconds)
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        // A response meant to be shown inside a console page (a KYC document) says SAMEORIGIN itself; all else: DENY.
        if response.headers[.init("X-Frame-Options")!] == nil { response.headers[.init("X-Frame-Options")!] = "DENY" }
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        // A page that needs more (public listings with product photos) sets its own, stricter-or-equal policy.
        if response.headers[.contentType]?.hasPrefix("text/html") ?? false, response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        }
        return response
    }
}
