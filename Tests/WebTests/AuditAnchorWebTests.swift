import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Logging
import Parties
import SQLKit
import Testing
import TestSupport
@testable import Web

/// K5 in the server: the background writer checkpoints the chain, refuses a cut chain, and `/metrics` exposes the
/// head, the count and the age of the last checkpoint.
@Suite struct AuditAnchorWebTests {
    @Test func backgroundCheckpointsAndMetrics() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tl-audit-web-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await TestDatabase.with(migrations: AllMigrations.list) { db in
            let clock = FixedClock(TestFixtures.start)
            var config = AppConfig(bcryptCost: 4)
            config.auditCheckpointFile = dir.appendingPathComponent("checkpoints.log").path
            let services = AppServices(db: db, clock: clock, cipher: TestFixtures.cipher, config: config)
            try await services.prepare()
            for i in 0..<3 {
                _ = try await services.parties.merchants.create(MerchantInput(name: "Merchant \(i) Co.", country: "CN",
                                                                              contactEmail: "m\(i)@m.cn"), by: .system("t"))
            }
            let app = Application(router: try await buildRouter(services))
            try await app.test(.router) { c in
                func gauge(_ name: String) async throws -> Double? {
                    let text = String(buffer: try await c.call(.get, "/metrics", key: nil).raw)
                    return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
                }
                let entries = try await AuditLog.head(db).entries
                #expect(entries >= 3)
                #expect(try await gauge("tradelane_audit_entries") == Double(entries))
                #expect(try await gauge("tradelane_audit_checkpoint_age_seconds") == -1)
                #expect(try await gauge("tradelane_audit_checkpoint_ok") == 0)

                let writer = AuditCheckpointService(services: services, logger: Logger(label: "test"))
                await writer.runOnce()
                clock.advance(by: 120)
                #expect(try await gauge("tradelane_audit_checkpoint_entries") == Double(entries))
                #expect(try await gauge("tradelane_audit_checkpoint_age_seconds") == 120)
                #expect(try await gauge("tradelane_audit_checkpoint_ok") == 1)
                let head = try await AuditLog.head(db).hash
                #expect(try await gauge("tradelane_audit_head_prefix") == Double(UInt64(head.prefix(13), radix: 16)!))

                // An administrator cuts the last entry: the metric drops and the writer refuses to vouch for it.
                try await AuditTampering.dropGuards(db)
                try await db.read { try await $0.delete(from: "audit_log").where("seq", .equal, entries).run() }
                #expect(try await gauge("tradelane_audit_checkpoint_ok") == 0)
                #expect(try await gauge("tradelane_audit_entries") == Double(entries - 1))
                await writer.runOnce()
                #expect(try services.auditAnchor.file.lines()?.count == 1)
                let report = try await services.auditAnchor.verify()
                #expect(!report.isIntact && report.problems.map(\.seq) == [entries])
            }
        }
    }
}
