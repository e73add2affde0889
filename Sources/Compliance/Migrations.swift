import Kernel

public enum ComplianceMigrations {
    public static let all: [Migration] = [
        Migration(module: "compliance", version: 1, name: "listings and their versions") { _ in
            [
                """
                CREATE TABLE listings (
                    id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, status TEXT NOT NULL, version BIGINT NOT NULL,
                    title TEXT NOT NULL, markets TEXT NOT NULL, content TEXT NOT NULL, verdict TEXT NOT NULL,
                    findings TEXT NOT NULL, catalogue_version TEXT NOT NULL, screened_at BIGINT NOT NULL,
                    status_reason TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX listings_merchant ON listings (merchant_id, id)",
                "CREATE INDEX listings_status ON listings (status)",
                """
                CREATE TABLE listing_versions (
                    listing_id TEXT NOT NULL REFERENCES listings(id), version BIGINT NOT NULL, merchant_id TEXT NOT NULL,
                    content TEXT NOT NULL, verdict TEXT NOT NULL, findings TEXT NOT NULL, catalogue_version TEXT NOT NULL,
                    created_by TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (listing_id, version))
                """,
            ]
        },
        Migration(module: "compliance", version: 2, name: "catalogue versions, re-screen jobs, takedown cases, penalties, certifications, prices, regulations") { engine in
            [
                // CMP1: every approved catalogue is a numbered snapshot; changes wait for a second officer.
                """
                CREATE TABLE catalogue_versions (
                    version BIGINT PRIMARY KEY, hash TEXT NOT NULL, entries TEXT NOT NULL, allow_phrases TEXT NOT NULL,
                    change_id TEXT, summary TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE catalogue_changes (
                    id TEXT PRIMARY KEY, status TEXT NOT NULL, summary TEXT NOT NULL, ops TEXT NOT NULL, regulation_ids TEXT NOT NULL,
                    proposed_by TEXT NOT NULL, proposed_at BIGINT NOT NULL, decided_by TEXT, decided_at BIGINT,
                    decision_reason TEXT, result_version BIGINT)
                """,
                "CREATE INDEX catalogue_changes_status ON catalogue_changes (status, proposed_at)",
                """
                CREATE TABLE rescreen_jobs (
                    id TEXT PRIMARY KEY, market TEXT NOT NULL, catalogue_version TEXT NOT NULL, reason TEXT NOT NULL,
                    status TEXT NOT NULL, total BIGINT NOT NULL, processed BIGINT NOT NULL, changed BIGINT NOT NULL,
                    cases_opened BIGINT NOT NULL, cursor TEXT NOT NULL, error TEXT, created_at BIGINT NOT NULL,
                    started_at BIGINT, heartbeat_at BIGINT, finished_at BIGINT)
                """,
                "CREATE INDEX rescreen_jobs_status ON rescreen_jobs (status, created_at)",
                // CMP3: the 24 h takedown clock.
                """
                CREATE TABLE takedown_cases (
                    id TEXT PRIMARY KEY, listing_id TEXT NOT NULL REFERENCES listings(id), merchant_id TEXT NOT NULL,
                    listing_version BIGINT NOT NULL, trigger TEXT NOT NULL, rule_ids TEXT NOT NULL, findings TEXT NOT NULL,
                    opened_at BIGINT NOT NULL, due_at BIGINT NOT NULL, status TEXT NOT NULL, resolved_at BIGINT,
                    resolved_by TEXT, resolution_reason TEXT, escalated_at BIGINT)
                """,
                "CREATE INDEX takedown_cases_open ON takedown_cases (status, due_at)",
                "CREATE INDEX takedown_cases_listing ON takedown_cases (listing_id)",
                "CREATE INDEX takedown_cases_merchant ON takedown_cases (merchant_id, opened_at)",
                // CMP4: penalty points per calendar year.
                """
                CREATE TABLE penalties (
                    id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, year BIGINT NOT NULL, violation TEXT NOT NULL,
                    points BIGINT NOT NULL, listing_id TEXT, case_id TEXT, reason TEXT NOT NULL, status TEXT NOT NULL,
                    issued_by TEXT NOT NULL, issued_at BIGINT NOT NULL, appeal_reason TEXT, appealed_at BIGINT,
                    appeal_outcome TEXT, appeal_note TEXT, appeal_decided_by TEXT, appeal_decided_at BIGINT)
                """,
                "CREATE INDEX penalties_merchant ON penalties (merchant_id, year)",
                "CREATE TABLE penalty_policy (id TEXT PRIMARY KEY, policy TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL)",
                """
                CREATE TABLE merchant_standing (
                    merchant_id TEXT PRIMARY KEY, year BIGINT NOT NULL, points BIGINT NOT NULL, sanctions TEXT NOT NULL,
                    updated_at BIGINT NOT NULL)
                """,
                // CMP5: certificates on file, linked to listings.
                """
                CREATE TABLE certifications (
                    id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, type TEXT NOT NULL, number TEXT NOT NULL, issuer TEXT NOT NULL,
                    issued_on TEXT, expires_on TEXT, status TEXT NOT NULL, file_name TEXT, content_type TEXT, file_sha256 TEXT,
                    file \(ColumnType.blob(engine)), created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX certifications_merchant ON certifications (merchant_id, id)",
                "CREATE INDEX certifications_expiry ON certifications (status, expires_on)",
                """
                CREATE TABLE listing_certifications (
                    listing_id TEXT NOT NULL REFERENCES listings(id), certification_id TEXT NOT NULL REFERENCES certifications(id),
                    PRIMARY KEY (listing_id, certification_id))
                """,
                "CREATE INDEX listing_certifications_cert ON listing_certifications (certification_id)",
                // CMP8: price history behind discount claims.
                """
                CREATE TABLE listing_prices (
                    listing_id TEXT NOT NULL REFERENCES listings(id), version BIGINT NOT NULL, amount BIGINT NOT NULL,
                    currency TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (listing_id, version))
                """,
                // CMP6, CMP9: regulations and country risk.
                """
                CREATE TABLE regulations (
                    id TEXT PRIMARY KEY, country TEXT NOT NULL, market TEXT NOT NULL, title TEXT NOT NULL, authority TEXT NOT NULL,
                    url TEXT NOT NULL, changed_on TEXT NOT NULL, summary TEXT NOT NULL, rule_ids TEXT NOT NULL,
                    due_on TEXT NOT NULL, catalogue_updated_on TEXT, change_id TEXT, lag_working_days BIGINT,
                    recorded_by TEXT NOT NULL, recorded_at BIGINT NOT NULL)
                """,
                "CREATE INDEX regulations_market ON regulations (market, changed_on)",
                """
                CREATE TABLE country_risks (
                    country TEXT PRIMARY KEY, name_en TEXT NOT NULL, name_zh TEXT NOT NULL, level TEXT NOT NULL,
                    assessed_on TEXT NOT NULL, basis TEXT NOT NULL, measures_en TEXT NOT NULL, measures_zh TEXT NOT NULL,
                    updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL)
                """,
            ]
        },
        // Issue 10 item 6: who filed an appeal, so that neither they nor the issuer decide it (people, not credentials).
        Migration(module: "compliance", version: 3, name: "penalty appellant") { _ in
            ["ALTER TABLE penalties ADD COLUMN appealed_by TEXT"]
        },
        // K6: certificate files are sealed with FieldCipher like KYC documents; 0 marks files stored before that.
        Migration(module: "compliance", version: 4, name: "certificate files encrypted at rest") { _ in
            ["ALTER TABLE certifications ADD COLUMN file_sealed BIGINT NOT NULL DEFAULT 0"]
        },
        // Issue 12 item 7 (CMP1): the catalogue editor's rule page shows the listings a rule hit last (one row per listing,
        // market and rule, rewritten with each screening) and the versions that added, changed or retired it.
        Migration(module: "compliance", version: 5, name: "screening hits per rule and rule history") { engine in
            let hit = engine == .postgres
                ? (from: "listings l CROSS JOIN LATERAL json_array_elements(l.findings::json) AS f(value)",
                   market: "f.value->>'market'", rule: "f.value->'finding'->>'ruleId'", matched: "f.value->'finding'->>'matched'",
                   field: "f.value->'finding'->>'field'", disposition: "f.value->'finding'->>'disposition'")
                : (from: "listings l, json_each(l.findings) f",
                   market: "json_extract(f.value, '$.market')", rule: "json_extract(f.value, '$.finding.ruleId')",
                   matched: "json_extract(f.value, '$.finding.matched')", field: "json_extract(f.value, '$.finding.field')",
                   disposition: "json_extract(f.value, '$.finding.disposition')")
            return [
                """
                CREATE TABLE screening_hits (
                    listing_id TEXT NOT NULL, market TEXT NOT NULL, rule_id TEXT NOT NULL, merchant_id TEXT NOT NULL,
                    listing_version BIGINT NOT NULL, matched TEXT NOT NULL, field TEXT NOT NULL, disposition TEXT NOT NULL,
                    screened_at BIGINT NOT NULL, PRIMARY KEY (listing_id, market, rule_id))
                """,
                "CREATE INDEX screening_hits_rule ON screening_hits (rule_id, screened_at, listing_id)",
                // The listings screened before this migration ('active' sorts before 'note': an active finding wins).
                """
                INSERT INTO screening_hits (listing_id, market, rule_id, merchant_id, listing_version, matched, field, disposition, screened_at)
                SELECT l.id, \(hit.market), \(hit.rule), MIN(l.merchant_id), MIN(l.version), COALESCE(MIN(\(hit.matched)), ''),
                       COALESCE(MIN(\(hit.field)), ''), COALESCE(MIN(\(hit.disposition)), 'active'), MIN(l.screened_at)
                FROM \(hit.from)
                WHERE \(hit.rule) IS NOT NULL AND \(hit.market) IS NOT NULL
                GROUP BY l.id, \(hit.market), \(hit.rule)
                """,
                """
                CREATE TABLE catalogue_rule_history (
                    rule_id TEXT NOT NULL, version BIGINT NOT NULL, action TEXT NOT NULL, change_id TEXT, entry TEXT NOT NULL,
                    created_by TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (rule_id, version))
                """,
            ]
        },
    ]
}
