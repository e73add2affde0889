import Foundation
import Kernel
import Logging
import Parties
import SQLKit
import Testing
import TestSupport
@testable import Web

/// Hourly housekeeping removes stale idempotency records (kept ≥ 24 h) and expired sessions.
@Suite struct MaintenanceTests {
    @Test func purgesOldIdempotencyRecordsAndExpiredSessions() async throws {
        try await TestDatabase.with(migrations: AllMigrations.list) { db in
            let clock = FixedClock(TestFixtures.start)
            let services = AppServices(db: db, clock: clock, cipher: TestFixtures.cipher, config: AppConfig(bcryptCost: 4))
            let owner = IdempotencyStore.Owner(scope: "cred:key_x", role: "merchant-admin")
            let ok: @Sendable () async throws -> IdempotencyStore.StoredResponse = { .init(status: 201, contentType: "application/json", body: Data("{}".utf8), location: nil) }
            _ = try await services.idempotency.perform(owner: owner, key: "old", requestHash: "h", effect: ok)
            _ = try await services.parties.users.create(UserInput(email: "m@t.cn", displayName: "M", password: "maintenance pw",
                                                                  role: "finance"), by: .system("t"))
            _ = try await services.parties.access.login(email: "m@t.cn", password: "maintenance pw")
            clock.advance(by: 25 * 3600)
            _ = try await services.idempotency.perform(owner: owner, key: "recent", requestHash: "h", effect: ok)
            let maintenance = MaintenanceService(services: services, logger: Logger(label: "test"))
            await maintenance.runOnce()
            let count = { (table: String) in try await db.read { try await $0.select().column("*").from(table).all().count } }
            #expect(try await count("idempotency_keys") == 2)   // 25 h old is still inside the 48 h window
            #expect(try await count("sessions") == 0)           // 12 h sessions have expired
            clock.advance(by: 24 * 3600)
            await maintenance.runOnce()
            let left = try await db.read { try await $0.select().column("idem_key").from("idempotency_keys").all() }
            #expect(try left.map { try $0.decode(column: "idem_key", as: String.self) } == ["recent"])
        }
    }
}
