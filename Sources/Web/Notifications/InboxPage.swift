import Foundation
import Hummingbird
import Kernel
import Notifications
import Parties

/// The console inbox (issue 11 item 7): the signed-in user's own notifications, newest first, paged; mark one or
/// all read (POST, CSRF-checked like every console form).
struct InboxPage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("inbox", use: show)
        console.post("inbox/read-all", use: readAll)
        console.post("inbox/:id/read", use: read)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let lang = c.language
        let q = Query(request: r)
        let unreadOnly = q.string("unread") == "true"
        let page = try await services.notifications.list(unreadOnly: unreadOnly, limit: 50, after: q.string("after"), by: s.principal)
        var model = InboxPageModel(
            rows: page.items.map { n in
                // Written in the language the user had then; shown in the one they read now (same template, same values).
                let text = n.language == lang ? (subject: n.subject, body: n.body)
                    : { let r = NotificationTemplates.render(n.template, params: n.params, language: lang); return (subject: r.subject, body: r.body) }()
                return .init(id: n.id.rawValue, subject: text.subject, body: text.body, createdAt: routes.date(n.createdAt, lang),
                      unread: !n.isRead, link: n.link ?? "", hasLink: n.link != nil, template: n.template)
            },
            unreadOnly: unreadOnly)
        let filter = unreadOnly ? "unread=true&" : ""
        if let next = page.next { model.nextHref = "/console/inbox?\(filter)after=\(ConsoleRoutes.urlEncode(next))" }
        return routes.page(model, c, r)
    }

    func read(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        return try await routes.command(c, back: "/console/inbox", ok: { $0 == .zh ? "已标为已读。" : "Marked read." }) {
            try await services.notifications.markRead(id, by: s.principal)
        }
    }

    func readAll(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        return try await routes.command(c, back: "/console/inbox", ok: { $0 == .zh ? "已全部标为已读。" : "All marked read." }) {
            try await services.notifications.markAllRead(by: s.principal)
        }
    }
}

/// Counts the signed-in user's unread notifications for the header badge, on console pages (GET) only.
struct InboxBadgeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let notifications: NotificationService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get, let session = context.session else { return try await next(request, context) }
        var context = context
        context.unreadNotifications = (try? await notifications.unreadCount(by: session.principal)) ?? 0
        return try await next(request, context)
    }
}

struct InboxPageModel: PageModel {
    static let template = "inbox"
    struct Row: Sendable {
        let id: String
        let subject: String
        let body: String
        let createdAt: String
        let unread: Bool
        let link: String
        let hasLink: Bool
        let template: String
    }

    let rows: [Row]
    let unreadOnly: Bool
    var nextHref: String?
}
