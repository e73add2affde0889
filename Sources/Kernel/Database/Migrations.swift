import Foundation
import SQLKit

/// One schema step owned by a module. Shipped migrations are never edited: add a new version.
public struct Migration: Sendable {
    public let module: String
    public let version: Int
    public let name: String
    public let statements: @Sendable (DatabaseEngine) -> [String]

    public init(module: String, version: Int, name: String, statements: @escaping @Sendable (DatabaseEngine) -> [String]) {
        self.module = module; self.version = version; self.name = name; self.statements = statements
    }
}

/// Applies migrations in order and records them in `schema_migrations`; running it again is a no-op.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    public init(_ migrations: [Migration]) { self.migrations = migrations }

    public struct Applied: Sendable, Equatable {
        public let module: String
        public let version: Int
        public let name: String
    }

    @discardableResult
    public func migrate(_ db: Database, clock: any WallClock = SystemClock()) async throws -> [Applied] {
        try await db.transaction { sql in
            try await sql.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    module TEXT NOT NULL, version BIGINT NOT NULL, name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL, PRIMARY KEY (module, version))
                """).run()
        }
        var applied: [Applied] = []
        for m in migrations {
            let did = try await db.transaction { sql -> Bool in
                // Serialise concurrent migrators (several instances starting at once).
                if sql.engine == .postgres { try await sql.raw("SELECT pg_advisory_xact_lock(7274720001)").run() }
                let done = try await sql.select().column("version").from("schema_migrations")
                    .where("module", .equal, m.module).where("version", .equal, m.version).first()
                if done != nil { return false }
                for statement in m.statements(sql.engine) {
                    try await sql.raw(SQLQueryString(statement)).run()
                }
                try await sql.insert(into: "schema_migrations")
                    .columns("module", "version", "name", "applied_at")
                    .values(SQLBind(m.module), SQLBind(Int64(m.version)), SQLBind(m.name), SQLBind(clock.now().epochMillis))
                    .run()
                return true
            }
            if did { applied.append(Applied(module: m.module, version: m.version, name: m.name)) }
        }
        return applied
    }

    /// Migrations not yet applied (for `/health/ready`).
    public func pending(_ db: Database) async throws -> [Migration] {
        let rows: [(String, Int64)] = try await db.read { sql in
            let exists = try await Migrator.tableExists("schema_migrations", sql)
            guard exists else { return [] }
            return try await sql.select().columns("module", "version").from("schema_migrations").all().map {
                (try $0.decode(column: "module", as: String.self), try $0.decode(column: "version", as: Int64.self))
            }
        }
        let done = Set(rows.map { "\($0.0)#\($0.1)" })
        return migrations.filter { !done.contains("\($0.module)#\($0.version)") }
    }

    static func tableExists(_ name: String, _ sql: any SQLDatabase) async throws -> Bool {
        switch sql.engine {
        case .sqlite:
            return try await sql.raw("SELECT name FROM sqlite_master WHERE type='table' AND name=\(bind: name)").first() != nil
        case .postgres:
            return try await sql.raw("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename=\(bind: name)").first() != nil
        }
    }
}
