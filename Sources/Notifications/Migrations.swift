import Kernel

public enum NotificationsMigrations {
    public static let all: [Migration] = [
        // Issue 11 item 7 (K7): one row per user and channel; the dedupe key makes a repeated notify a no-op per user.
        Migration(module: "notifications", version: 1, name: "notifications") { _ in
            [
                """
                CREATE TABLE notifications (
                    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, merchant_id TEXT, channel TEXT NOT NULL, language TEXT NOT NULL,
                    template TEXT NOT NULL, params TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
                    entity TEXT, entity_id TEXT, link TEXT, state TEXT NOT NULL, read_at BIGINT, attempts BIGINT NOT NULL,
                    last_error TEXT, dedupe_key TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, sent_at BIGINT)
                """,
                "CREATE UNIQUE INDEX notifications_dedupe ON notifications (user_id, channel, dedupe_key)",
                "CREATE INDEX notifications_inbox ON notifications (user_id, channel, created_at, id)",
                "CREATE INDEX notifications_unread ON notifications (user_id, channel, read_at)",
                "CREATE INDEX notifications_state ON notifications (channel, state)",
            ]
        },
    ]
}
