import Kernel

public enum PartiesMigrations {
    public static let all: [Migration] = [
        Migration(module: "parties", version: 1, name: "merchants, users, api keys, sessions, kyc") { engine in
            [
                """
                CREATE TABLE merchants (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, legal_name TEXT, country TEXT NOT NULL,
                    contact_email TEXT NOT NULL, settlement_currency TEXT NOT NULL, status TEXT NOT NULL, kyc_status TEXT,
                    licence_expires_on TEXT, exit_reason TEXT, notice_started_at BIGINT, notice_ends_at BIGINT,
                    status_before_exit TEXT, closed_at BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX merchants_status ON merchants (status)",
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY, merchant_id TEXT REFERENCES merchants(id), email TEXT NOT NULL,
                    display_name TEXT NOT NULL, password_hash TEXT NOT NULL, role TEXT NOT NULL,
                    language TEXT NOT NULL, disabled BIGINT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE UNIQUE INDEX users_email ON users (email)",
                "CREATE INDEX users_merchant ON users (merchant_id)",
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY, merchant_id TEXT REFERENCES merchants(id), role TEXT NOT NULL,
                    name TEXT NOT NULL, prefix TEXT NOT NULL, key_hash TEXT NOT NULL, created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL, revoked_at BIGINT, last_used_at BIGINT)
                """,
                "CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash)",
                "CREATE INDEX api_keys_merchant ON api_keys (merchant_id)",
                """
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
                    csrf_token TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)
                """,
                "CREATE INDEX sessions_user ON sessions (user_id)",
                """
                CREATE TABLE kyc_submissions (
                    id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL REFERENCES merchants(id), status TEXT NOT NULL,
                    company_name TEXT NOT NULL, registration_number_enc TEXT NOT NULL, registration_number_idx TEXT NOT NULL,
                    legal_representative TEXT NOT NULL, country TEXT NOT NULL, address TEXT NOT NULL,
                    licence_expires_on TEXT NOT NULL, submitted_at BIGINT NOT NULL, reviewer_id TEXT,
                    decision_reason TEXT, decided_at BIGINT, updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX kyc_submissions_merchant ON kyc_submissions (merchant_id)",
                "CREATE INDEX kyc_submissions_status ON kyc_submissions (status)",
                "CREATE INDEX kyc_submissions_regno ON kyc_submissions (registration_number_idx)",
                """
                CREATE TABLE kyc_documents (
                    id TEXT PRIMARY KEY, submission_id TEXT NOT NULL REFERENCES kyc_submissions(id),
                    merchant_id TEXT NOT NULL REFERENCES merchants(id), kind TEXT NOT NULL, filename TEXT NOT NULL,
                    content_type TEXT NOT NULL, size_bytes BIGINT NOT NULL, sha256 TEXT NOT NULL,
                    content \(ColumnType.blob(engine)) NOT NULL, uploaded_by TEXT NOT NULL, created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX kyc_documents_submission ON kyc_documents (submission_id)",
            ]
        },
        // Issue 10 item 6: every key belongs to a person. Keys made before are given to the user who made them, or to
        // the owner of the key that made them; keys made on the command line stay service keys (no owner).
        Migration(module: "parties", version: 2, name: "api key owners") { _ in
            [
                "ALTER TABLE api_keys ADD COLUMN owner_user_id TEXT",
                "UPDATE api_keys SET owner_user_id = created_by WHERE created_by IN (SELECT id FROM users)",
                """
                UPDATE api_keys SET owner_user_id = (SELECT k.owner_user_id FROM api_keys k WHERE k.id = api_keys.created_by)
                WHERE owner_user_id IS NULL AND created_by IN (SELECT id FROM api_keys)
                """,
                "CREATE INDEX api_keys_owner ON api_keys (owner_user_id)",
            ]
        },
        // K3: login throttling shared by every instance, and the idle timeout of console sessions.
        Migration(module: "parties", version: 3, name: "login throttle, session last-seen") { _ in
            [
                """
                CREATE TABLE login_throttle (
                    throttle_key TEXT PRIMARY KEY, failures BIGINT NOT NULL, last_failure_at BIGINT NOT NULL,
                    blocked_until BIGINT)
                """,
                "CREATE INDEX login_throttle_last_failure ON login_throttle (last_failure_at)",
                "ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT",
            ]
        },
        // Issue 12 item 11: TOTP two-factor sign-in (secret sealed, recovery codes as keyed digests), pending log-ins
        // between password and code, and sessions a person can see and end (public id, client address, browser).
        // Sessions made before get an id from their token digest (hex is within the id alphabet; the digest is no secret).
        Migration(module: "parties", version: 4, name: "two-factor, recovery codes, pending log-ins, session ids") { _ in
            [
                """
                CREATE TABLE user_two_factor (
                    user_id TEXT PRIMARY KEY REFERENCES users(id), secret_enc TEXT NOT NULL, enabled_at BIGINT,
                    last_step BIGINT, created_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE user_recovery_codes (
                    user_id TEXT NOT NULL REFERENCES users(id), code_hash TEXT NOT NULL, created_at BIGINT NOT NULL,
                    used_at BIGINT, PRIMARY KEY (user_id, code_hash))
                """,
                """
                CREATE TABLE login_challenges (
                    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL, attempts BIGINT NOT NULL)
                """,
                "CREATE INDEX login_challenges_expires ON login_challenges (expires_at)",
                "ALTER TABLE sessions ADD COLUMN id TEXT",
                "ALTER TABLE sessions ADD COLUMN client_ip TEXT",
                "ALTER TABLE sessions ADD COLUMN user_agent TEXT",
                "UPDATE sessions SET id = 'ses_' || substr(token_hash, 1, 26)",
                "CREATE UNIQUE INDEX sessions_id ON sessions (id)",
            ]
        },
        // Issue 12 item 8: an admin invites a person by e-mail; the link's token is kept only as its SHA-256 digest.
        Migration(module: "parties", version: 5, name: "user invitations") { _ in
            [
                """
                CREATE TABLE user_invitations (
                    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), merchant_id TEXT,
                    token_digest TEXT NOT NULL UNIQUE, created_by TEXT NOT NULL, created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL, accepted_at BIGINT, revoked_at BIGINT)
                """,
                "CREATE INDEX user_invitations_user ON user_invitations (user_id)",
            ]
        },
    ]
}
