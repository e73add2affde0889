import Foundation
import Kernel
import Logging
import SQLKit

/// A throw-away database per test on the engine under test: SQLite temp file by default,
/// or a fresh PostgreSQL database when `TRADELANE_TEST_DATABASE_URL` names an admin URL
/// (scripts/test.sh runs the whole suite once per engine).
public enum TestDatabase {
    public static var postgresAdminURL: String? {
        ProcessInfo.processInfo.environment["TRADELANE_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static var engine: DatabaseEngine { postgresAdminURL == nil ? .sqlite : .postgres }

    static var logger: Logger {
        var l = Logger(label: "test.db")
        l.logLevel = .warning
        return l
    }

    /// Runs `body` against a fresh, migrated database and removes it afterwards.
    public static func with<T>(migrations: [Migration], logger: Logger? = nil, _ body: (Database) async throws -> T) async throws -> T {
        let (db, cleanup) = try await make(logger: logger)
        do {
            try await Migrator(migrations).migrate(db)
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

    /// `logger` (default: warnings only) is the one the database under test logs to.
    public static func make(logger dbLogger: Logger? = nil) async throws -> (Database, @Sendable () async throws -> Void) {
        if let admin = postgresAdminURL {
            let name = "tl_test_" + RandomToken.make(bytes: 9).lowercased().filter { $0.isLetter || $0.isNumber }
            let adminDB = try await Database.open(url: admin, logger: logger, poolSize: 1)
            try await adminDB.read { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            await adminDB.close()
            guard var comps = URLComponents(string: admin) else { throw DatabaseConfigError.invalid(admin) }
            comps.path = "/" + name
            let db = try await Database.open(url: comps.string!, logger: dbLogger ?? logger, poolSize: 4)
            return (db, {
                // Reconnect for the drop: holding an admin connection per running test would double the server's load.
                let admin = try await Database.open(url: admin, logger: logger, poolSize: 1)
                try await admin.read { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
                await admin.close()
            })
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradelane-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = try await Database.open(url: "sqlite://" + dir.appendingPathComponent("test.sqlite").path, logger: dbLogger ?? logger, poolSize: 4)
        return (db, { try? FileManager.default.removeItem(at: dir) })
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
