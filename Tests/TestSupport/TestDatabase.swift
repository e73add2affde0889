import Foundation
import Kernel
import Logging
import SQLKit

/// A throw-away database per test on the engine under test: SQLite temp file by default,
/// or a fresh PostgreSQL database when `TRADELANE_TEST_DATABASE_URL` names an admin URL
/// (scripts/test.sh runs the whole suite once per engine).
///
/// Migrating (and a harness's preparation: regulation seed, catalogue bootstrap) is done once per distinct set into a
/// template, and every test gets its own copy of it (issue 11 item 8): `CREATE DATABASE … TEMPLATE` on PostgreSQL, a
/// file copy on SQLite. `TRADELANE_TEST_NO_TEMPLATE=1` migrates every test's database from scratch instead.
public enum TestDatabase {
    public static var postgresAdminURL: String? {
        ProcessInfo.processInfo.environment["TRADELANE_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static var engine: DatabaseEngine { postgresAdminURL == nil ? .sqlite : .postgres }

    static var templatesEnabled: Bool { ProcessInfo.processInfo.environment["TRADELANE_TEST_NO_TEMPLATE"] != "1" }

    static var logger: Logger {
        var l = Logger(label: "test.db")
        l.logLevel = .warning
        return l
    }

    /// What a harness loads after migrating, baked into the template. `kind` names it (a different preparation must
    /// use a different kind); `run` must only write to the database (in-memory state is rebuilt by the test, e.g. by
    /// running the same idempotent preparation again, which then finds everything in place).
    public struct Preparation: Sendable {
        public let kind: String
        public let run: @Sendable (Database) async throws -> Void
        public init(kind: String, _ run: @escaping @Sendable (Database) async throws -> Void) {
            self.kind = kind; self.run = run
        }
    }

    /// Runs `body` against a fresh database holding `migrations` (and `prepared`'s data) and removes it afterwards.
    public static func with<T>(migrations: [Migration], prepared: Preparation? = nil, logger: Logger? = nil,
                               _ body: (Database) async throws -> T) async throws -> T {
        let (db, cleanup) = try await make(migrations: migrations, prepared: prepared, logger: logger)
        do {
            let result = try await body(db)
            await db.close()
            try await cleanup()
            return result
        } catch {
            await db.close()
            try? await cleanup()
            throw error
        }
    }

    /// A fresh database with `migrations` applied and `prepared` run, copied from its template.
    public static func make(migrations: [Migration], prepared: Preparation? = nil, logger dbLogger: Logger? = nil)
        async throws -> (Database, @Sendable () async throws -> Void) {
        guard templatesEnabled else {
            let (db, cleanup) = try await make(logger: dbLogger)
            do {
                try await Migrator(migrations).migrate(db)
                try await prepared?.run(db)
                return (db, cleanup)
            } catch {
                await db.close()
                try? await cleanup()
                throw error
            }
        }
        let key = TemplateKey(migrations: migrations, prepared: prepared, engine: engine)
        let template = try await Templates.shared.template(for: key) {
            try await build(key: key, migrations: migrations, prepared: prepared)
        }
        if let admin = postgresAdminURL {
            return try await createPostgres(admin: admin, template: template, logger: dbLogger)
        }
        let dir = try newSQLiteDirectory()
        let path = dir.appendingPathComponent("test.sqlite")
        do {
            try FileManager.default.copyItem(atPath: template, toPath: path.path)
            return (try await Database.open(url: "sqlite://" + path.path, logger: dbLogger ?? logger, poolSize: 4),
                    { try? FileManager.default.removeItem(at: dir) })
        } catch {
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
    }

    /// An empty database (no migrations). `logger` (default: warnings only) is the one the database under test logs to.
    public static func make(logger dbLogger: Logger? = nil) async throws -> (Database, @Sendable () async throws -> Void) {
        if let admin = postgresAdminURL {
            return try await createPostgres(admin: admin, template: nil, logger: dbLogger)
        }
        let dir = try newSQLiteDirectory()
        let db = try await Database.open(url: "sqlite://" + dir.appendingPathComponent("test.sqlite").path, logger: dbLogger ?? logger, poolSize: 4)
        return (db, { try? FileManager.default.removeItem(at: dir) })
    }

    // MARK: - PostgreSQL

    static func createPostgres(admin: String, template: String?, logger dbLogger: Logger?) async throws
        -> (Database, @Sendable () async throws -> Void) {
        let name = "tl_test_" + RandomToken.make(bytes: 9).lowercased().filter { $0.isLetter || $0.isNumber }
        let adminDB = try await Database.open(url: admin, logger: logger, poolSize: 1)
        do {
            let from = template.map { " TEMPLATE \($0)" } ?? ""
            try await adminDB.read { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)\(unsafeRaw: from)").run() }
        } catch {
            await adminDB.close()
            throw error
        }
        await adminDB.close()
        let db = try await Database.open(url: try url(admin, database: name), logger: dbLogger ?? logger, poolSize: 4)
        return (db, {
            // Reconnect for the drop: holding an admin connection per running test would double the server's load.
            let admin = try await Database.open(url: admin, logger: logger, poolSize: 1)
            try await admin.read { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
            await admin.close()
        })
    }

    static func url(_ admin: String, database: String) throws -> String {
        guard var comps = URLComponents(string: admin) else { throw DatabaseConfigError.invalid(admin) }
        comps.path = "/" + database
        return comps.string!
    }

    /// Builds the template under an advisory lock held by this process's admin session (released by the server if the
    /// process dies), so concurrent test processes build each template once. It is built under a temporary name and
    /// renamed when complete: a process killed half-way never leaves a half-migrated template behind. The finished
    /// template refuses connections, so nothing can be connected to it when `CREATE DATABASE … TEMPLATE` copies it.
    static func buildPostgres(admin: String, key: TemplateKey, migrations: [Migration], prepared: Preparation?) async throws -> String {
        let name = key.name
        let adminDB = try await Database.open(url: admin, logger: logger, poolSize: 1)
        do {
            try await adminDB.read { sql in
                try await sql.raw("SELECT pg_advisory_lock(\(bind: key.lockId))").run()
                do {
                    if try await !exists(name, sql) {
                        let building = name + "_b" + RandomToken.make(bytes: 6).lowercased().filter { $0.isLetter || $0.isNumber }
                        try await sql.raw("CREATE DATABASE \(unsafeRaw: building)").run()
                        do {
                            let db = try await Database.open(url: try url(admin, database: building), logger: logger, poolSize: 2)
                            do {
                                try await Migrator(migrations).migrate(db)
                                try await prepared?.run(db)
                            } catch {
                                await db.close()
                                throw error
                            }
                            await db.close()
                            try await sql.raw("ALTER DATABASE \(unsafeRaw: building) WITH ALLOW_CONNECTIONS false").run()
                            do {
                                try await sql.raw("ALTER DATABASE \(unsafeRaw: building) RENAME TO \(unsafeRaw: name)").run()
                            } catch {
                                // Someone built it without our lock (another version of this kit): use theirs.
                                guard try await exists(name, sql) else { throw error }
                                try await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: building) WITH (FORCE)").run()
                            }
                        } catch {
                            try? await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: building) WITH (FORCE)").run()
                            throw error
                        }
                    }
                } catch {
                    try? await sql.raw("SELECT pg_advisory_unlock(\(bind: key.lockId))").run()
                    throw error
                }
                try await sql.raw("SELECT pg_advisory_unlock(\(bind: key.lockId))").run()
            }
        } catch {
            await adminDB.close()
            throw error
        }
        await adminDB.close()
        return name
    }

    static func exists(_ database: String, _ sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("SELECT 1 AS one FROM pg_database WHERE datname = \(bind: database)").first() != nil
    }

    // MARK: - SQLite

    static func newSQLiteDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradelane-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Templates of every test process in one directory, built under a temporary name and renamed into place (atomic),
    /// so a concurrent process either finds the finished file or builds its own identical one. The WAL is checkpointed
    /// and every connection closed before the file is published: a copy then holds the whole database.
    static func buildSQLite(key: TemplateKey, migrations: [Migration], prepared: Preparation?) async throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradelane-test-templates")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(key.name + ".sqlite").path
        if FileManager.default.fileExists(atPath: path) { return path }
        removeStaleTemplates(in: dir)
        let buildDir = try newSQLiteDirectory()
        defer { try? FileManager.default.removeItem(at: buildDir) }
        let building = buildDir.appendingPathComponent("template.sqlite").path
        let db = try await Database.open(url: "sqlite://" + building, logger: logger, poolSize: 2)
        do {
            try await Migrator(migrations).migrate(db)
            try await prepared?.run(db)
            try await db.read { try await $0.raw("PRAGMA wal_checkpoint(TRUNCATE)").run() }
        } catch {
            await db.close()
            throw error
        }
        await db.close()
        let wal = (try? FileManager.default.attributesOfItem(atPath: building + "-wal")[.size] as? Int) ?? 0
        guard wal == 0 else { throw TemplateError.walNotCheckpointed(building) }
        guard rename(building, path) == 0 else { throw TemplateError.publish(path, errno) }
        return path
    }

    /// Templates of earlier builds (their names hash the test binary's date) are removed after a day.
    static func removeStaleTemplates(in dir: URL) {
        let fm = FileManager.default
        let dayAgo = Date().addingTimeInterval(-86_400)
        for file in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] {
            let p = dir.appendingPathComponent(file).path
            if let date = try? fm.attributesOfItem(atPath: p)[.modificationDate] as? Date, date < dayAgo { try? fm.removeItem(atPath: p) }
        }
    }

    static func build(key: TemplateKey, migrations: [Migration], prepared: Preparation?) async throws -> String {
        if let admin = postgresAdminURL { return try await buildPostgres(admin: admin, key: key, migrations: migrations, prepared: prepared) }
        return try await buildSQLite(key: key, migrations: migrations, prepared: prepared)
    }

    enum TemplateError: Error, CustomStringConvertible {
        case walNotCheckpointed(String)
        case publish(String, Int32)
        var description: String {
            switch self {
            case .walNotCheckpointed(let p): "template \(p) still has a write-ahead log after its checkpoint"
            case .publish(let p, let e): "could not move the template to \(p): errno \(e)"
            }
        }
    }
}

/// Names one template: a hash of every migration (id and statements, so an edited migration gets a new template), the
/// preparation's kind and, when there is one, the test binary's date (its data comes from code and bundled files).
struct TemplateKey: Sendable, Hashable {
    let name: String
    let lockId: Int64

    init(migrations: [Migration], prepared: TestDatabase.Preparation?, engine: DatabaseEngine) {
        var text = "engine \(engine.rawValue)\n"
        for m in migrations {
            text += "\(m.module)#\(m.version) \(m.name)\n" + m.statements(engine).joined(separator: ";\n") + "\n"
        }
        if let prepared { text += "prepared \(prepared.kind) \(Self.buildStamp)\n" }
        let hex = Digest.sha256Hex(text)
        name = "tl_tpl_" + hex.prefix(20)
        lockId = Int64(bitPattern: UInt64(hex.prefix(16), radix: 16) ?? 0)
    }

    static let buildStamp: String = {
        let exe = ProcessInfo.processInfo.arguments.first ?? ""
        let attrs = try? FileManager.default.attributesOfItem(atPath: exe)
        let date = (attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(exe) \(date) \(attrs?[.size] as? Int ?? 0)"
    }()
}

/// One build per template per process, however many tests ask for it at once.
actor Templates {
    static let shared = Templates()
    private var builds: [TemplateKey: Task<String, any Error>] = [:]

    func template(for key: TemplateKey, build: @escaping @Sendable () async throws -> String) async throws -> String {
        let task = builds[key] ?? Task { try await build() }
        builds[key] = task
        do {
            return try await task.value
        } catch {
            // Let a later test try again rather than failing every test on one transient error.
            if builds[key] == task { builds[key] = nil }
            throw error
        }
    }
}

public enum TestFixtures {
    /// Monday 2026-03-02 10:00 in Shanghai.
    public static let start = Date(timeIntervalSince1970: 1_772_416_800)
    public static let masterKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    public static var cipher: FieldCipher { try! FieldCipher(masterKeyText: masterKey) }
}

/// What a database administrator (not the application) can do to the audit chain (K5 tests).
public enum AuditTampering {
    /// Drops the append-only triggers of kernel migration 3 so a test can tamper like an administrator would.
    public static func dropGuards(_ db: Database) async throws {
        try await db.read { sql in
            switch sql.engine {
            case .sqlite:
                try await sql.raw("DROP TRIGGER IF EXISTS audit_log_no_update").run()
                try await sql.raw("DROP TRIGGER IF EXISTS audit_log_no_delete").run()
            case .postgres:
                try await sql.raw("DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log").run()
                try await sql.raw("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log").run()
            }
        }
    }
}
