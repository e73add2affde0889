import Compliance
import Foundation
import Kernel
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 11 item 5: the app is a list of modules; the migrator, the job worker and the deadline scanner follow it.
@Suite struct ModuleShapeTests {
    @Test func migrationsJobsAndClocksComeFromTheModuleList() async throws {
        try await WebHarness.with { h, _ in
            let s = h.services
            #expect(s.modules.map(\.name) == ["kernel", "parties", "compliance", "webhooks", "notifications"])
            // The static list the CLI migrates with is the modules' own, in the same order.
            #expect(AllMigrations.list.map { "\($0.module)#\($0.version)" } == s.modules.migrations.map { "\($0.module)#\($0.version)" })
            #expect(Set(s.modules.migrations.map(\.module)) == Set(s.modules.map(\.name)))
            // Every kind a module registers is run by the worker, once; every recurring kind has a handler.
            let kinds = s.jobHandlers.map(\.kind)
            #expect(kinds.count == Set(kinds).count)
            for module in s.modules { for handler in module.jobHandlers { #expect(kinds.contains(handler.kind), "\(module.name): \(handler.kind)") } }
            for recurring in s.recurringJobs { #expect(kinds.contains(recurring.kind), "no handler for \(recurring.kind)") }
            #expect(kinds.contains(DeadlineScanner.job.kind) && kinds.contains(ComplianceJobs.rescreenKind))
            // The scanner reads every module's clocks.
            #expect(s.deadlines.clocks.map(\.id) == s.modules.deadlineSources.flatMap(\.clocks).map(\.id))
            #expect(s.deadlines.clocks.map(\.id).contains(TakedownDeadlines.clock.id))
        }
    }

    /// Issue 11 item 3 (PRV2, PRV3): the modules' personal-data providers are assembled into one registry; an erasure
    /// spans modules in one transaction and its audit entry names records, never the person's address.
    @Test func personalDataComesFromEveryModuleThatHoldsIt() async throws {
        try await WebHarness.with { h, _ in
            let s = h.services
            #expect(s.personalData.providers.map(\.module) == s.modules.personalDataProviders.map(\.module))
            #expect(s.personalData.providers.map(\.module) == ["parties", "notifications"])
            #expect(s.recurringJobs.map(\.kind).contains(PersonalDataRegistry.job.kind))
            await #expect(throws: ValidationError.self) { try await s.personalData.export(DataSubject(email: "  ")) }

            let system = Principal.system("test")
            let u = try await s.parties.users.create(UserInput(email: "gone@tradelane.test", displayName: "Gone Person", password: "long enough password",
                                                                role: "compliance-officer", language: "en"), by: system)
            try await s.db.transaction { sql in
                try await s.notifier.notify(NotificationRequest(recipients: [.user(u.id)], template: "deadline.breached",
                                                                params: ["clock": "24h", "clock@zh": "24小时", "subject": "Wallet",
                                                                         "entity": "takedown", "entityId": "tdc_1", "dueAt": "2026-03-03T02:00:00Z"]), in: sql)
            }
            let subject = DataSubject(email: "gone@tradelane.test", userIds: [u.id])
            #expect(Set(try await s.personalData.export(subject).map(\.module)) == ["parties", "notifications"])

            // Active: the account is kept (and says why), the messages go.
            var outcome = try await s.personalData.erase(subject, by: "usr_dpo")
            #expect(outcome.kept.map(\.entityId) == [u.id.rawValue] && outcome.erased.allSatisfy { $0.hasPrefix("notification:") } && outcome.erased.count >= 1)
            _ = try await s.parties.users.update(u.id, UserInput(disabled: true), by: system)
            outcome = try await s.personalData.erase(subject, by: "usr_dpo")
            #expect(outcome.erased == ["user:\(u.id.rawValue)"] && outcome.kept.isEmpty)
            #expect(try await s.personalData.export(subject).allSatisfy { $0.fields["email"] != "gone@tradelane.test" })
            let audit = try await AuditLog.recent(s.db, merchantId: nil, limit: 10).filter { $0.action == "personal-data.erased" }
            #expect(audit.count == 2 && audit.allSatisfy { !$0.data.contains("gone@") && !$0.data.contains("Gone Person") })
        }
    }
}
