/// Tables the kernel owns: idempotency records, the audit chain and FX reference rates.
public enum KernelMigrations {
    public static let all: [Migration] = [
        Migration(module: "kernel", version: 1, name: "idempotency and audit log") { engine in
            [
                """
                CREATE TABLE idempotency_keys (
                    scope TEXT NOT NULL, idem_key TEXT NOT NULL, request_hash TEXT NOT NULL,
                    state TEXT NOT NULL, status BIGINT NOT NULL, content_type TEXT NOT NULL,
                    body \(ColumnType.blob(engine)) NOT NULL, location TEXT, created_at BIGINT NOT NULL,
                    PRIMARY KEY (scope, idem_key))
                """,
                "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
                """
                CREATE TABLE audit_log (
                    seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, merchant_id TEXT,
                    action TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, data TEXT NOT NULL,
                    prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
                """,
                "CREATE INDEX audit_log_merchant ON audit_log (merchant_id, seq)",
                "CREATE INDEX audit_log_entity ON audit_log (entity, entity_id)",
            ]
        },
        // Reference rates per day as published (decimal text, never floating point): 1 EUR = rate units of currency.
        Migration(module: "kernel", version: 2, name: "FX reference rates") { _ in
            [
                """
                CREATE TABLE fx_rates (
                    day TEXT NOT NULL, currency TEXT NOT NULL, rate TEXT NOT NULL, source TEXT NOT NULL,
                    imported_at BIGINT NOT NULL, PRIMARY KEY (source, day, currency))
                """,
            ]
        },
        // Issue 10: records are written only together with their effect, sealed, and owned by one
        // credential with its role. Earlier records held clear bodies (new API keys among them)
        // and "pending" claims of the three-transaction scheme: they are dropped, not converted.
        Migration(module: "kernel", version: 3, name: "idempotency records per credential, sealed") { _ in
            [
                "DELETE FROM idempotency_keys",
                "ALTER TABLE idempotency_keys ADD COLUMN role TEXT NOT NULL DEFAULT ''",
            ]
        },
    ]
}
