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
            let forged = AuditEntry.digest(seq: 3, at: e.at.epochMillis, actor: "usr_evil", merchantId: e.merchantId?.rawValue, action: e.action,
                                           entity: e.entity, entityId: e.entityId, data: e.data, prevHash: e.prevHash)
            try await db.read { try await $0.update("audit_log").set("actor", to: "usr_evil").set("hash", to: forged).where("seq", .equal, Int64(3)).run() }
            #expect(try await AuditLog.verify(db) == .broken(seq: 4, reason: "prev_hash does not match entry 3"))
        }
    }
}

/// K9 / issue 10 item 1: the record of a request and its effect commit together.
@Suite struct IdempotencyStoreTests {
    static let cipher = try! FieldCipher(masterKeyText: FieldCipher.generateMasterKey())
    static let admin = IdempotencyStore.Owner(scope: "cred:key_admin", role: "merchant-admin")

    static func withStore(_ body: (Database, IdempotencyStore, FixedClock) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            try await db.transaction { try await $0.raw("CREATE TABLE effects (id TEXT PRIMARY KEY)").run() }
            let clock = FixedClock(TestFixtures.start)
            try await body(db, IdempotencyStore(db: db, clock: clock, cipher: cipher), clock)
        }
    }

    static func effectCount(_ db: Database) async throws -> Int {
        try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM effects").first()!.decode(column: "n", as: Int.self) }
    }

    /// An effect that writes a row (through the database's own `transaction`, as services do) and answers 201.
    static func insert(_ db: Database, _ id: String, status: Int = 201) -> @Sendable () async throws -> IdempotencyStore.StoredResponse {
        {
            try await db.transaction { try await $0.raw("INSERT INTO effects (id) VALUES (\(bind: id))").run() }
            return .init(status: status, contentType: "application/json", body: Data("{\"id\":\"\(id)\",\"secret\":\"tl_live_SECRET\"}".utf8), location: "/x/\(id)")
        }
    }

    @Test func replayMismatchOtherCredentialOtherRoleAndPurge() async throws {
        try await Self.withStore { db, store, clock in
            let first = try await store.perform(owner: Self.admin, key: "k1", requestHash: "h1", effect: Self.insert(db, "a"))
            guard case .ran(let stored) = first else { Issue.record("expected .ran, got \(first)"); return }
            #expect(try await store.find(owner: Self.admin, key: "k1", requestHash: "h1") == .replay(stored))
            #expect(try await store.find(owner: Self.admin, key: "k1", requestHash: "h2") == .mismatch)
            // Another credential of the same merchant (staff repeating the admin's key) sees nothing of it.
            let staff = IdempotencyStore.Owner(scope: "cred:key_staff", role: "merchant-staff")
            #expect(try await store.find(owner: staff, key: "k1", requestHash: "h1") == nil)
            // The same credential after a role change gets no replay of what the old role was allowed.
            let demoted = IdempotencyStore.Owner(scope: Self.admin.scope, role: "merchant-staff")
            #expect(try await store.find(owner: demoted, key: "k1", requestHash: "h1") == .roleChanged)
            // A second perform with the key replays instead of running the effect again.
            #expect(try await store.perform(owner: Self.admin, key: "k1", requestHash: "h1", effect: Self.insert(db, "b")) == .found(.replay(stored)))
            #expect(try await Self.effectCount(db) == 1)
            clock.advance(by: 3 * 86400)
            try await store.purge(olderThan: 86400)
            #expect(try await store.find(owner: Self.admin, key: "k1", requestHash: "h1") == nil)
        }
    }

    @Test func serverFailureRollsBackEffectAndFreesTheKey() async throws {
        try await Self.withStore { db, store, _ in
            let failed = try await store.perform(owner: Self.admin, key: "k", requestHash: "h", effect: Self.insert(db, "a", status: 503))
            guard case .failed(let response) = failed else { Issue.record("expected .failed, got \(failed)"); return }
            #expect(response.status == 503)
            #expect(try await Self.effectCount(db) == 0)
            #expect(try await store.find(owner: Self.admin, key: "k", requestHash: "h") == nil)
            // A thrown error rolls back too, and the retry runs for the first time.
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await store.perform(owner: Self.admin, key: "k", requestHash: "h") {
                    _ = try await Self.insert(db, "a")()
                    throw Boom()
                }
            }
            #expect(try await Self.effectCount(db) == 0)
            guard case .ran = try await store.perform(owner: Self.admin, key: "k", requestHash: "h", effect: Self.insert(db, "a")) else {
                Issue.record("retry did not run"); return
            }
            #expect(try await Self.effectCount(db) == 1)
        }
    }

    @Test func concurrentDuplicatesRunTheEffectOnce() async throws {
        try await Self.withStore { db, store, _ in
            let outcomes = try await withThrowingTaskGroup(of: IdempotencyStore.Performed.self) { group in
                for i in 0..<8 {
                    group.addTask { try await store.perform(owner: Self.admin, key: "same", requestHash: "h", effect: Self.insert(db, "e\(i)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(try await Self.effectCount(db) == 1)
            #expect(outcomes.filter { if case .ran = $0 { true } else { false } }.count == 1)
            #expect(outcomes.allSatisfy { if case .ran = $0 { true } else if case .found(.replay) = $0 { true } else { false } })
        }
    }

    @Test func storedBodiesAreSealed() async throws {
        try await Self.withStore { db, store, _ in
            _ = try await store.perform(owner: Self.admin, key: "k", requestHash: "h", effect: Self.insert(db, "a"))
            let raw = try await db.read { try await $0.select().column("body").from("idempotency_keys").first()!.decode(column: "body", as: Data.self) }
            #expect(!raw.isEmpty)
            #expect(raw.range(of: Data("tl_live_SECRET".utf8)) == nil)
            // Fingerprints are keyed: another master key gives another fingerprint of the same request.
            let other = IdempotencyStore(db: db, clock: SystemClock(), cipher: try FieldCipher(masterKeyText: FieldCipher.generateMasterKey()))
            #expect(store.fingerprint(Data("POST /x".utf8)) != other.fingerprint(Data("POST /x".utf8)))
            #expect(store.fingerprint(Data("POST /x".utf8)) != Digest.sha256Hex(Data("POST /x".utf8)))
        }
    }
}

/// Nested transactions inside a request transaction are savepoints on its one connection.
@Suite struct RequestTransactionTests {
    @Test func nestedFailureRollsBackOnlyItsOwnWritesAndReadsSeeTheRequestsWrites() async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            try await db.transaction { try await $0.raw("CREATE TABLE t (id TEXT PRIMARY KEY)").run() }
            struct Refused: Error {}
            try await db.requestTransaction { _ in
                try await db.transaction { try await $0.raw("INSERT INTO t (id) VALUES ('kept')").run() }
                await #expect(throws: Refused.self) {
                    try await db.transaction { sql in
                        try await sql.raw("INSERT INTO t (id) VALUES ('dropped')").run()
                        throw Refused()
                    }
                }
                // A unique violation inside a savepoint leaves the request transaction usable (PostgreSQL aborts otherwise).
                await #expect(throws: (any Error).self) {
                    try await db.transaction { try await $0.raw("INSERT INTO t (id) VALUES ('kept')").run() }
                }
                let seen = try await db.read { try await $0.raw("SELECT id FROM t ORDER BY id").all().map { try $0.decode(column: "id", as: String.self) } }
                #expect(seen == ["kept"])
            }
            let committed = try await db.read { try await $0.raw("SELECT id FROM t").all().map { try $0.decode(column: "id", as: String.self) } }
            #expect(committed == ["kept"])
            // A failed request transaction leaves nothing, whatever its nested transactions committed.
            await #expect(throws: Refused.self) {
                try await db.requestTransaction { _ in
                    try await db.transaction { try await $0.raw("INSERT INTO t (id) VALUES ('lost')").run() }
                    throw Refused()
                }
            }
            #expect(try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM t").first()!.decode(column: "n", as: Int.self) } == 1)
        }
    }
}
