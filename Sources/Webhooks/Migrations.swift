import Kernel

public enum WebhooksMigrations {
    public static let all: [Migration] = [
        Migration(module: "webhooks", version: 1, name: "domain events, webhook endpoints and their delivery log") { _ in
            [
                // The outbox of domain events (issue 11 item 6): written in the transaction of the change it reports.
                """
                CREATE TABLE domain_events (
                    id TEXT PRIMARY KEY, type TEXT NOT NULL, merchant_id TEXT, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
                    occurred_at BIGINT NOT NULL, data TEXT NOT NULL, created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX domain_events_merchant ON domain_events (merchant_id, occurred_at)",
                // The signing secret is sealed with FieldCipher (bound to the endpoint id); never stored in clear.
                """
                CREATE TABLE webhook_endpoints (
                    id TEXT PRIMARY KEY, merchant_id TEXT, url TEXT NOT NULL, events TEXT NOT NULL, description TEXT NOT NULL,
                    enabled BIGINT NOT NULL, secret_sealed TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX webhook_endpoints_merchant ON webhook_endpoints (merchant_id, id)",
                """
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL, merchant_id TEXT, event_id TEXT NOT NULL, event_type TEXT NOT NULL,
                    trigger TEXT NOT NULL, attempt BIGINT NOT NULL, attempted_at BIGINT NOT NULL, outcome TEXT NOT NULL,
                    http_status BIGINT, error TEXT, latency_ms BIGINT NOT NULL, response_excerpt TEXT NOT NULL)
                """,
                "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, attempted_at, id)",
            ]
        },
    ]
}
