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
        // K5: the audit chain is append-only for the application's own connection. Rows cannot be changed or removed
        // through SQL without first dropping these triggers (an administrator's act, which the checkpoints outside the
        // database then expose; docs/operations.md "Audit log").
        Migration(module: "kernel", version: 4, name: "audit log append-only triggers") { engine in
            switch engine {
            case .sqlite:
                [
                    """
                    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed (K5)'); END
                    """,
                    """
                    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed (K5)'); END
                    """,
                ]
            case .postgres:
                [
                    """
                    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        RAISE EXCEPTION 'audit_log is append-only: % is not allowed (K5)', TG_OP USING ERRCODE = 'insufficient_privilege';
                    END
                    $$
                    """,
                    """
                    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
                    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
                    """,
                    """
                    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
                    """,
                ]
            }
        },
        // Issue 11: one job queue and outbox for every module (DESIGN "Workers, events, integrations").
        Migration(module: "kernel", version: 5, name: "job queue") { _ in
            [
                """
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
                    attempts BIGINT NOT NULL, max_attempts BIGINT NOT NULL, run_at BIGINT NOT NULL,
                    locked_by TEXT, locked_until BIGINT, last_error TEXT, dedupe_key TEXT,
                    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, finished_at BIGINT)
                """,
                "CREATE INDEX jobs_due ON jobs (status, run_at)",
                "CREATE INDEX jobs_kind ON jobs (kind, status)",
                "CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key)",
            ]
        },
        // Issue 11 item 2: each due-soon and breach of an SLA clock is announced once, across all instances.
        Migration(module: "kernel", version: 6, name: "deadline escalations") { _ in
            [
                """
                CREATE TABLE deadline_escalations (
                    clock_key TEXT NOT NULL, level TEXT NOT NULL, clock TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
                    merchant_id TEXT, due_at BIGINT NOT NULL, escalated_at BIGINT NOT NULL,
                    PRIMARY KEY (clock_key, level))
                """,
                "CREATE INDEX deadline_escalations_clock ON deadline_escalations (clock, level)",
            ]
        },
        // Issue 11: claims read the oldest due job off `jobs_claimable` in order (a backlog no longer sorts on every
        // claim). And the effects of `system.probe` jobs, one row per job (its primary key turns a second run of the
        // same job into a failed attempt, so a double effect cannot go unnoticed): an operator's liveness check of
        // every instance's worker, and the two-instance test's ledger.
        Migration(module: "kernel", version: 7, name: "job claim index and job probes") { _ in
            [
                "CREATE INDEX jobs_claimable ON jobs (run_at, id) WHERE status IN ('queued', 'failed')",
                "CREATE TABLE job_probes (job_id TEXT PRIMARY KEY, batch TEXT NOT NULL, worker TEXT NOT NULL, done_at BIGINT NOT NULL)",
                "CREATE INDEX job_probes_batch ON job_probes (batch, worker)",
            ]
        },
    ]
}
