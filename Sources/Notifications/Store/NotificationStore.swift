import Foundation
import Kernel
import SQLKit

/// SQL for the `notifications` table.
struct NotificationStore: Sendable {
    static let columns = ["id", "user_id", "merchant_id", "channel", "language", "template", "params", "subject", "body",
                          "entity", "entity_id", "link", "state", "read_at", "attempts", "last_error", "dedupe_key",
                          "created_at", "updated_at", "sent_at"]
    static var columnList: String { columns.joined(separator: ", ") }

    /// Inserts unless the same user already has this dedupe key on this channel; true when inserted.
    func insert(_ n: UserNotification, in sql: any SQLDatabase) async throws -> Bool {
        let params = String(decoding: try JSONEncoder.sorted.encode(n.params), as: UTF8.self)
        let rows = try await sql.raw("""
            INSERT INTO notifications (\(unsafeRaw: Self.columnList))
            VALUES (\(bind: n.id.rawValue), \(bind: n.userId.rawValue), \(bind: n.merchantId?.rawValue), \(bind: n.channel.rawValue),
                    \(bind: n.language.rawValue), \(bind: n.template), \(bind: params), \(bind: n.subject), \(bind: n.body),
                    \(bind: n.entity), \(bind: n.entityId), \(bind: n.link), \(bind: n.state.rawValue),
                    \(bind: n.readAt?.epochMillis), \(bind: Int64(n.attempts)), \(bind: n.lastError), \(bind: n.dedupeKey),
                    \(bind: n.createdAt.epochMillis), \(bind: n.updatedAt.epochMillis), \(bind: n.sentAt?.epochMillis))
            ON CONFLICT DO NOTHING RETURNING id
            """).all()
        return !rows.isEmpty
    }

    func get(_ id: String, in sql: any SQLDatabase) async throws -> UserNotification? {
        try await sql.raw("SELECT \(unsafeRaw: Self.columnList) FROM notifications WHERE id = \(bind: id)").first().map(Self.model)
    }

    /// One user's notifications on a channel, newest first, after the cursor row (`(created_at, id)` below it).
    func list(userId: UserID, channel: UserNotification.Channel, unreadOnly: Bool, limit: Int, after: UserNotification?,
              in sql: any SQLDatabase) async throws -> [UserNotification] {
        let unread: SQLQueryString = unreadOnly ? " AND read_at IS NULL" : ""
        var cursor: SQLQueryString = ""
        if let c = after {
            cursor = " AND (created_at < \(bind: c.createdAt.epochMillis) OR (created_at = \(bind: c.createdAt.epochMillis) AND id < \(bind: c.id.rawValue)))"
        }
        let query: SQLQueryString = """
            SELECT \(unsafeRaw: Self.columnList) FROM notifications
            WHERE user_id = \(bind: userId.rawValue) AND channel = \(bind: channel.rawValue)\(unread)\(cursor)
            ORDER BY created_at DESC, id DESC LIMIT \(unsafeRaw: String(max(1, limit)))
            """
        return try await sql.raw(query).all().map(Self.model)
    }

    func unreadCount(userId: UserID, in sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("""
            SELECT COUNT(*) AS n FROM notifications
            WHERE user_id = \(bind: userId.rawValue) AND channel = 'inbox' AND read_at IS NULL
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    func markRead(id: String, userId: UserID, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.raw("""
            UPDATE notifications SET read_at = \(bind: at.epochMillis), updated_at = \(bind: at.epochMillis)
            WHERE id = \(bind: id) AND user_id = \(bind: userId.rawValue) AND channel = 'inbox' AND read_at IS NULL
            """).run()
    }

    func markAllRead(userId: UserID, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.raw("""
            UPDATE notifications SET read_at = \(bind: at.epochMillis), updated_at = \(bind: at.epochMillis)
            WHERE user_id = \(bind: userId.rawValue) AND channel = 'inbox' AND read_at IS NULL
            """).run()
    }

    /// Records a delivery attempt's outcome.
    func record(_ id: String, state: UserNotification.State, attempts: Int, error: String?, at: Date, in sql: any SQLDatabase) async throws {
        try await sql.raw("""
            UPDATE notifications SET state = \(bind: state.rawValue), attempts = \(bind: Int64(attempts)),
                last_error = \(bind: error.map { String($0.prefix(500)) }), updated_at = \(bind: at.epochMillis),
                sent_at = \(bind: state == .sent ? Optional(at.epochMillis) : nil)
            WHERE id = \(bind: id)
            """).run()
    }

    static func model(_ row: any SQLRow) throws -> UserNotification {
        let params = try row.decode(column: "params", as: String.self)
        return UserNotification(
            id: NotificationID(unchecked: try row.decode(column: "id", as: String.self)),
            userId: UserID(unchecked: try row.decode(column: "user_id", as: String.self)),
            merchantId: try row.decode(column: "merchant_id", as: String?.self).map(MerchantID.init(unchecked:)),
            channel: UserNotification.Channel(rawValue: try row.decode(column: "channel", as: String.self)) ?? .inbox,
            language: Language(rawValue: try row.decode(column: "language", as: String.self)) ?? .en,
            template: try row.decode(column: "template", as: String.self),
            params: (try? JSONDecoder().decode([String: String].self, from: Data(params.utf8))) ?? [:],
            subject: try row.decode(column: "subject", as: String.self),
            body: try row.decode(column: "body", as: String.self),
            entity: try row.decode(column: "entity", as: String?.self),
            entityId: try row.decode(column: "entity_id", as: String?.self),
            link: try row.decode(column: "link", as: String?.self),
            state: UserNotification.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .dead,
            readAt: try row.decode(column: "read_at", as: Int64?.self).map(Date.init(epochMillis:)),
            attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
            lastError: try row.decode(column: "last_error", as: String?.self),
            dedupeKey: try row.decode(column: "dedupe_key", as: String?.self),
            createdAt: Date(epochMillis: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(epochMillis: try row.decode(column: "updated_at", as: Int64.self)),
            sentAt: try row.decode(column: "sent_at", as: Int64?.self).map(Date.init(epochMillis:)))
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
