import Hummingbird
import Kernel

/// Error pages for a signed-in console user keep the header, navigation and language switch (issue 12 item 8), so
/// a 403 or 404 is a place to go on from, not a dead end. Runs after `AuthMiddleware` (it needs the session); anything
/// else, and every API request, falls through to `ProblemMiddleware`.
struct ConsoleErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let services: AppServices
    let views: Views

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let redirect as ConsoleRedirect {
            throw redirect
        } catch {
            guard context.session != nil, ProblemMiddleware.wantsHTML(request) else { throw error }
            let language = context.language
            let (status, problem) = ProblemMiddleware.problem(for: error, language: language, path: request.uri.path, logger: context.logger)
            let routes = ConsoleRoutes(services: services, views: views)
            var chrome = routes.chrome(context, request, nav: "", titleKey: "")
            chrome.pageTitle = problem.title
            return ProblemMiddleware.withErrorHeaders(views.errorPage(status: status, problem: problem, language: language, chrome: chrome), for: error)
        }
    }
}
