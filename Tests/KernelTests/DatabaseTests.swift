import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport

/// Storage on the engine under test (SQLite, or PostgreSQL when TRADELANE_TEST_DATABASE_URL is set).
@Suite struct DatabaseTests {
    static let probe = Migration(module: "probe", version: 1, name: "probe table") { _ in
        ["CREATE TABLE probe (id TEXT PRIMARY KEY, n BIGINT NOT NULL)"]
    }
    let migrations = KernelMigrations.all + [probe]

    @Test func migrationsAreRecordedAndIdempotent() async throws {
        try await TestDatabase.with(migrations: migrations) { db in
            #expect(db.engine == TestDatabase.engine)
            let again = try await Migrator(migrations).migrate(db)
            #expect(again.isEmpty)
            #expect(try await Migrator(migrations).pending(db).isEmpty)
            let rows = try await db.read { try await $0.select().column("module").from("schema_migrations").all() }
            #expect(rows.count == migrations.count)
            let extra = Migration(module: "probe", version: 2, name: "index") { _ in ["CREATE INDEX probe_n ON probe (n)"] }
            #expect(try await Migrator(migrations + [extra]).pending(db).map(\.version) == [2])
            #expect(try await Migrator(migrations + [extra]).migrate(db).count == 1)
        }
    }

    @Test func failedTransactionLeavesNoPartialWrite() async throws {
        try await TestDatabase.with(migrations: migrations) { db in
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await db.transaction { sql in
                    try await sql.insert(into: "probe").columns("id", "n").values(SQLBind("a"), SQLBind(Int64(1))).run()
                    throw Boom()
                }
            }
            // A constraint failure half-way also rolls back the first insert.
            await #expect(throws: (any Error).self) {
                try await db.transaction { sql in
                    try await sql.insert(into: "probe").columns("id", "n").values(SQLBind("b"), SQLBind(Int64(1))).run()
                    try await sql.insert(into: "probe").columns("id", "n").values(SQLBind("b"), SQLBind(Int64(2))).run()
                }
            }
            let count = try await db.read { try await $0.select().column("id").from("probe").all().count }
            #expect(count == 0)
        }
    }

    @Test func concurrentTransactionsSerialise() async throws {
        try await TestDatabase.with(migrations: migrations) { db in
            try await db.transaction { try await $0.insert(into: "probe").columns("id", "n").values(SQLBind("c"), SQLBind(Int64(0))).run() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await db.transaction { sql in
                            if sql.engine == .postgres { try await sql.raw("SELECT n FROM probe WHERE id = 'c' FOR UPDATE").run() }
                            let n = try await sql.select().column("n").from("probe").where("id", .equal, "c").first()!
                                .decode(column: "n", as: Int64.self)
                            try await sql.update("probe").set("n", to: n + 1).where("id", .equal, "c").run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let n = try await db.read { try await $0.select().column("n").from("probe").where("id", .equal, "c").first()!.decode(column: "n", as: Int64.self) }
            #expect(n == 20)
        }
    }
}

/// K5: the audit log is hash-chained and tampering is detected.
@Suite struct AuditLogTests {
    func fill(_ db: Database, _ n: Int) async throws {
        let log = AuditLog(clock: FixedClock(TestFixtures.start))
        for i in 1...n {
            try await db.transaction { sql in
                try await log.append(AuditEvent(actor: "usr_test", merchantId: i % 2 == 0 ? "mer_a" : nil, action: "thing.changed",
                                                entity: "thing", entityId: "t\(i)", data: ["i": String(i)]), in: sql)
            }
        }
    }

    @Test func intactChainVerifies() async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            try await fill(db, 25)
            let result = try await AuditLog.verify(db, batch: 7)
            guard case .intact(let n, let head) = result else { Issue.record("expected intact, got \(result)"); return }
            #expect(n == 25)
            let last = try await AuditLog.recent(db, merchantId: nil, limit: 1)
            #expect(last.first?.hash == head)
            #expect(try await AuditLog.recent(db, merchantId: "mer_a", limit: 100).count == 12)
        }
    }

    @Test func editedEntryIsReported() async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            try await fill(db, 10)
            try await AuditTampering.dropGuards(db)
            try await db.read { try await $0.update("audit_log").set("data", to: #"{"i":"999"}"#).where("seq", .equal, Int64(6)).run() }
            #expect(try await AuditLog.verify(db) == .broken(seq: 6, reason: "content does not match its hash"))
        }
    }

    @Test func deletedOrRechainedEntryIsReported() async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            try await fill(db, 10)
            try await AuditTampering.dropGuards(db)
            try await db.read { try await $0.delete(from: "audit_log").where("seq", .equal, Int64(4)).run() }
            #expect(try await AuditLog.verify(db) == .broken(seq: 4, reason: "entry 4 is missing"))
        }
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            try await fill(db, 5)
            try await AuditTampering.dropGuards(db)
            // A forger who recomputes entry 3's own hash still breaks entry 4's link.
            let e = try await db.read { try await $0.select().column("*").from("audit_log").where("seq", .equal, Int64(3)).first() }.map(AuditLog.decode)!
            let forged = AuditEntry.digest(seq: 3, at: e.at.epochMillis, actor: "usr_evil", merchantId: e.merchantId, action: e.action,
                                           entity: e.entity, entityId: e.entityId, data: e.data, prevHash: e.prevHash)
            try await db.read { try await $0.update("audit_log").set("actor", to: "usr_evil").set("hash", to: forged).where("seq", .equal, Int64(3)).run() }
            #expect(try await AuditLog.verify(db) == .broken(seq: 4, reason: "prev_hash does not match entry 3"))
        }
    }
}

@Suite struct IdempotencyStoreTests {
    @Test func claimReplayMismatchAndAbandon() async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            let clock = FixedClock(TestFixtures.start)
            let store = IdempotencyStore(db: db, clock: clock)
            #expect(try await store.claim(scope: "mer_a", key: "k1", requestHash: "h1") == .proceed)
            #expect(try await store.claim(scope: "mer_a", key: "k1", requestHash: "h1") == .inProgress)
            #expect(try await store.claim(scope: "mer_b", key: "k1", requestHash: "h1") == .proceed)   // per tenant
            let stored = IdempotencyStore.StoredResponse(status: 201, contentType: "application/json", body: Data("{\"id\":1}".utf8), location: "/x/1")
            try await store.complete(scope: "mer_a", key: "k1", response: stored)
            #expect(try await store.claim(scope: "mer_a", key: "k1", requestHash: "h1") == .replay(stored))
            #expect(try await store.claim(scope: "mer_a", key: "k1", requestHash: "h2") == .mismatch)
            try await store.abandon(scope: "mer_b", key: "k1")
            #expect(try await store.claim(scope: "mer_b", key: "k1", requestHash: "h3") == .proceed)
            // A pending claim from a crashed instance can be retaken after the stale window.
            clock.advance(by: 120)
            #expect(try await store.claim(scope: "mer_b", key: "k1", requestHash: "h3") == .proceed)
            clock.advance(by: 3 * 86400)
            try await store.purge(olderThan: 86400)
            #expect(try await store.claim(scope: "mer_a", key: "k1", requestHash: "h2") == .proceed)
        }
    }
}
