import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

public enum DatabaseEngine: String, Sendable {
    case sqlite
    case postgres
}

/// The one handle every store goes through: reads on any pooled connection, writes inside
/// `transaction`, which pins one connection (BEGIN IMMEDIATE on SQLite, a real transaction
/// on PostgreSQL) because SQLKit has no transaction API of its own (DESIGN.md).
public final class Database: Sendable {
    public let engine: DatabaseEngine
    /// A redacted description of where the data lives (never a password).
    public let location: String
    private let backend: Backend
    let logger: Logger

    enum Backend: Sendable {
        case sqlite(SQLitePool)
        case postgres(PostgresClient, Task<Void, Never>)
    }

    private init(engine: DatabaseEngine, location: String, backend: Backend, logger: Logger) {
        self.engine = engine; self.location = location; self.backend = backend; self.logger = logger
    }

    /// Opens `sqlite:///absolute/path.db`, `sqlite://relative/path.db`, or `postgres://user:pw@host:port/db`.
    public static func open(url: String, logger: Logger = Logger(label: "tradelane.db"), poolSize: Int = 8) async throws -> Database {
        let config = try DatabaseURL(url)
        let logger = logger.redactingSQLBinds
        switch config {
        case .sqlite(let path):
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let pool = try await SQLitePool.open(path: path, size: max(2, min(poolSize, 8)), logger: logger)
            return Database(engine: .sqlite, location: path, backend: .sqlite(pool), logger: logger)
        case .postgres(var pg, let redacted):
            pg.options.maximumConnections = poolSize
            let client = PostgresClient(configuration: pg, backgroundLogger: logger)
            let runner = Task { await client.run() }
            // Give the client's run loop a moment to start so the first lease does not log a warning.
            try? await Task.sleep(for: .milliseconds(2))
            let db = Database(engine: .postgres, location: redacted, backend: .postgres(client, runner), logger: logger)
            // Fail fast on a wrong URL rather than hanging on the first request.
            try await db.read { try await $0.raw("SELECT 1").run() }
            return db
        }
    }

    /// Runs `body` on a pooled connection, outside any transaction (reads, single statements).
    /// Inside a `requestTransaction` it runs on that transaction's connection, so a request
    /// reads what it has written.
    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let ambient = joinable { return try await body(ambient.sql) }
        switch backend {
        case .sqlite(let pool):
            return try await pool.withConnection { try await body($0.sql(queryLogLevel: .trace)) }
        case .postgres(let client, _):
            return try await client.withConnection { conn in try await body(conn.sql(queryLogLevel: .trace)) }
        }
    }

    /// Runs `body` inside one transaction on one pinned connection; any thrown error rolls back.
    /// Inside a `requestTransaction` it becomes a savepoint of that transaction: its error rolls
    /// back only its own writes, its success is committed with the request's outcome.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let ambient = joinable { return try await ambient.savepoint(body) }
        return try await ownTransaction(body)
    }

    /// One transaction around a whole request: every `read` and `transaction` of this database
    /// made while `body` runs (in the same task tree) joins it. The idempotency record of a request
    /// commits together with its effect this way, so a crash leaves either both or neither (K9).
    /// Bodies must not run database calls concurrently (one connection serves them all).
    public func requestTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let ambient = joinable { return try await ambient.savepoint(body) }
        return try await ownTransaction { sql in
            let ambient = AmbientTransaction(owner: ObjectIdentifier(self), sql: sql)
            return try await AmbientTransaction.$current.withValue(ambient) { try await body(sql) }
        }
    }

    /// The request transaction this task runs in, when it belongs to this database.
    private var joinable: AmbientTransaction? {
        guard let ambient = AmbientTransaction.current, ambient.owner == ObjectIdentifier(self) else { return nil }
        return ambient
    }

    private func ownTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let pool):
            return try await pool.withWriter { conn in
                let sql = conn.sql(queryLogLevel: .trace)
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    let result = try await body(sql)
                    try await sql.raw("COMMIT").run()
                    return result
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            }
        case .postgres(let client, _):
            do {
                return try await client.withTransaction(logger: logger) { conn in
                    try await body(conn.sql(queryLogLevel: .trace))
                }
            } catch let error as PostgresTransactionError {
                // Surface the caller's own (typed) error; the wrapper only matters when BEGIN/COMMIT failed.
                if let inner = error.closureError { throw inner }
                throw error
            }
        }
    }

    public func close() async {
        switch backend {
        case .sqlite(let pool): await pool.close()
        case .postgres(_, let runner): runner.cancel(); _ = await runner.value
        }
    }
}

/// The transaction a request runs in (see `Database.requestTransaction`); nested transactions
/// are savepoints on its one connection.
final class AmbientTransaction: Sendable {
    @TaskLocal static var current: AmbientTransaction?
    let owner: ObjectIdentifier
    let sql: any SQLDatabase
    private let depth = Mutex(0)

    init(owner: ObjectIdentifier, sql: any SQLDatabase) { self.owner = owner; self.sql = sql }

    func savepoint<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let name = "tl_sp_\(depth.withLock { $0 += 1; return $0 })"
        try await sql.raw("SAVEPOINT \(unsafeRaw: name)").run()
        do {
            let result = try await body(sql)
            try await sql.raw("RELEASE SAVEPOINT \(unsafeRaw: name)").run()
            return result
        } catch {
            try? await sql.raw("ROLLBACK TO SAVEPOINT \(unsafeRaw: name)").run()
            try? await sql.raw("RELEASE SAVEPOINT \(unsafeRaw: name)").run()
            throw error
        }
    }
}

/// Parsed `TRADELANE_DATABASE_URL`.
public enum DatabaseURL: Sendable {
    case sqlite(path: String)
    case postgres(PostgresClient.Configuration, redacted: String)

    public init(_ text: String) throws(DatabaseConfigError) {
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw .invalid("sqlite URL needs a file path") }
            self = .sqlite(path: path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
            return
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
              let comps = URLComponents(string: text), let host = comps.host, !host.isEmpty
        else { throw .invalid("expected sqlite:///path or postgres://user:password@host:port/database") }
        let user = comps.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = comps.password.flatMap { $0.removingPercentEncoding }
        let dbName = comps.path.isEmpty ? nil : String(comps.path.dropFirst())
        let sslmode = comps.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw .invalid("unknown sslmode \(sslmode)")
        }
        let config = PostgresClient.Configuration(host: host, port: comps.port ?? 5432, username: user,
                                                  password: password, database: dbName, tls: tls)
        self = .postgres(config, redacted: "postgres://\(user)@\(host):\(comps.port ?? 5432)/\(dbName ?? "")")
    }
}

public enum DatabaseConfigError: Error, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let why): "invalid TRADELANE_DATABASE_URL: \(why)" }
    }
}

/// A small pool of SQLite connections on one WAL file. Transactions take the single writer
/// slot so in-process writers queue instead of spinning on SQLITE_BUSY; other processes
/// (the CLI while the server runs) are handled by busy_timeout.
actor SQLitePool {
    private var idle: [SQLiteConnection]
    private var waiters: [CheckedContinuation<SQLiteConnection, Never>] = []
    private var writerBusy = false
    private var writerWaiters: [CheckedContinuation<Void, Never>] = []
    private var all: [SQLiteConnection]

    private init(connections: [SQLiteConnection]) {
        idle = connections
        all = connections
    }

    static func open(path: String, size: Int, logger: Logger) async throws -> SQLitePool {
        var conns: [SQLiteConnection] = []
        for _ in 0..<size {
            let c = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            let sql = c.sql()
            try await sql.raw("PRAGMA busy_timeout = 10000").run()
            try await sql.raw("PRAGMA journal_mode = WAL").run()
            try await sql.raw("PRAGMA foreign_keys = ON").run()
            try await sql.raw("PRAGMA synchronous = NORMAL").run()
            conns.append(c)
        }
        return SQLitePool(connections: conns)
    }

    private func lease() async -> SQLiteConnection {
        if let c = idle.popLast() { return c }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func release(_ c: SQLiteConnection) {
        if waiters.isEmpty { idle.append(c) } else { waiters.removeFirst().resume(returning: c) }
    }

    private func acquireWriter() async {
        if !writerBusy { writerBusy = true; return }
        await withCheckedContinuation { writerWaiters.append($0) }
    }

    private func releaseWriter() {
        if writerWaiters.isEmpty { writerBusy = false } else { writerWaiters.removeFirst().resume() }
    }

    nonisolated func withConnection<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        let c = await lease()
        do {
            let r = try await body(c)
            await release(c)
            return r
        } catch {
            await release(c)
            throw error
        }
    }

    nonisolated func withWriter<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        await acquireWriter()
        do {
            let r = try await withConnection(body)
            await releaseWriter()
            return r
        } catch {
            await releaseWriter()
            throw error
        }
    }

    func close() async {
        for c in all { try? await c.close() }
        idle = []
        all = []
    }
}
