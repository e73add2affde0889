import Foundation
import Hummingbird
import Kernel
import Notifications

/// `/api/v1/notifications`: the caller's own notifications (issue 11 item 7). Another user's notification is
/// "not found", whoever asks; a service key without an owner has none.
struct NotificationsAPI {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("notifications", use: list)
        api.post("notifications/read-all", use: readAll)
        api.post("notifications/:id/read", use: read)
    }

    func list(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let q = Query(request: r)
        let unread: Bool
        switch q.string("unread") {
        case nil, "false": unread = false
        case "true": unread = true
        default: throw ValidationError(field: "unread", code: "invalid", en: "unread must be true or false.", zh: "unread 必须是 true 或 false。")
        }
        let channel = try q.enumValue("channel", UserNotification.Channel.self) ?? .inbox
        let page = try await services.notifications.list(channel: channel, unreadOnly: unread, limit: try q.int("limit", in: 1...200) ?? 50,
                                                         after: q.string("after"), by: p)
        return try JSONIO.response(ListDTO(data: page.items.map(NotificationDTO.init), next: page.next))
    }

    func read(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: [], allowEmpty: true)
        return try JSONIO.response(NotificationDTO(try await services.notifications.markRead(try c.parameters.require("id"), by: p)))
    }

    func readAll(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: [], allowEmpty: true)
        try await services.notifications.markAllRead(by: p)
        return try JSONIO.response(UnreadDTO(unread: try await services.notifications.unreadCount(by: p)))
    }
}

struct UnreadDTO: Encodable { let unread: Int }

struct NotificationDTO: Encodable {
    let id: String
    let channel: String
    let language: String
    let template: String
    let subject: String
    let body: String
    @ExplicitNull var entity: String?
    @ExplicitNull var entityId: String?
    @ExplicitNull var link: String?
    let state: String
    let read: Bool
    @ExplicitNull var readAt: String?
    let attempts: Int
    @ExplicitNull var lastError: String?
    let createdAt: String
    @ExplicitNull var sentAt: String?

    init(_ n: UserNotification) {
        id = n.id.rawValue; channel = n.channel.rawValue; language = n.language.rawValue; template = n.template
        subject = n.subject; body = n.body; entity = n.entity; entityId = n.entityId; link = n.link; state = n.state.rawValue
        read = n.isRead; readAt = n.readAt?.rfc3339; attempts = n.attempts; lastError = n.lastError
        createdAt = n.createdAt.rfc3339; sentAt = n.sentAt?.rfc3339
    }
}
