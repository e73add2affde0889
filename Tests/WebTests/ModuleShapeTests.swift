import Compliance
import Foundation
import Kernel
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
}
