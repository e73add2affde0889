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
    ]
}
