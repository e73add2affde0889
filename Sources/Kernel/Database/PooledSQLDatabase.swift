import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// An `SQLDatabase` that runs each statement on whatever pooled connection is free (through `Database.read`), holding
/// none in between. For work that waits on the outside world between statements (a webhook's HTTP call, an e-mail, a
/// long re-screen committing batch by batch): pinning a connection for all of it would starve the pool.
struct PooledSQLDatabase: SQLDatabase {
    let db: Database
    let dialect: any SQLDialect
    let logger: Logger
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { try await self.execute(sql: query, onRow) }
        return promise.futureResult
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await db.read { sql in try await sql.execute(sql: query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

extension Database {
    /// Statements on any free pooled connection, one at a time (see `PooledSQLDatabase`); inside a
    /// `requestTransaction` they still join it.
    public var pooled: any SQLDatabase {
        PooledSQLDatabase(db: self, dialect: engine == .sqlite ? SQLiteDialect() : PostgresDialect(), logger: logger)
    }
}
