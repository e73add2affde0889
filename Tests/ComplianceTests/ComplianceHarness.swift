import Compliance
import Foundation
import Kernel
import TestSupport

/// Every compliance service over one fresh database and the bundled catalogue (stored as version 1).
struct ComplianceHarness {
    let db: Database
    let clock: FixedClock
    let screening: ScreeningService
    let penalties: PenaltyService
    let takedowns: TakedownService
    let listings: ListingService
    let certifications: CertificationService
    let rescreens: RescreenService
    let regulations: RegulationService
    let catalogue: CatalogueService
    let events: RecordingEventPublisher

    static let merchantA = Principal(actorId: "usr_ma", userId: "usr_ma", merchantId: "mer_a", role: .merchantAdmin, channel: .session)
    static let merchantB = Principal(actorId: "usr_mb", userId: "usr_mb", merchantId: "mer_b", role: .merchantAdmin, channel: .session)
    static let officer = Principal(actorId: "usr_o1", userId: "usr_o1", merchantId: nil, role: .complianceOfficer, channel: .session)
    static let officer2 = Principal(actorId: "usr_o2", userId: "usr_o2", merchantId: nil, role: .complianceOfficer, channel: .session)
    static let admin = Principal(actorId: "usr_ad", userId: "usr_ad", merchantId: nil, role: .operatorAdmin, channel: .session)

    /// The regulation seed and the catalogue's first version, stored once in the template every test copies.
    static let seeded = TestDatabase.Preparation(kind: "compliance.seed") { db in
        let clock = FixedClock(TestFixtures.start)
        let screening = ScreeningService(clock: clock)
        let takedowns = TakedownService(db: db, clock: clock, penalties: PenaltyService(db: db, clock: clock), events: RecordingEventPublisher())
        let regulations = RegulationService(db: db, clock: clock)
        let rescreens = RescreenService(db: db, clock: clock, screening: screening, takedowns: takedowns)
        try await regulations.seed()
        try await CatalogueService(db: db, clock: clock, screening: screening, rescreens: rescreens, regulations: regulations).bootstrap()
    }

    static func with(seed: Bool = true, _ body: (ComplianceHarness) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all + ComplianceMigrations.all, prepared: seed ? seeded : nil) { db in
            let clock = FixedClock(TestFixtures.start)
            let screening = ScreeningService(clock: clock)
            let penalties = PenaltyService(db: db, clock: clock)
            let events = RecordingEventPublisher()
            let takedowns = TakedownService(db: db, clock: clock, penalties: penalties, events: events)
            let rescreens = RescreenService(db: db, clock: clock, screening: screening, takedowns: takedowns)
            let regulations = RegulationService(db: db, clock: clock)
            let h = ComplianceHarness(
                db: db, clock: clock, screening: screening, penalties: penalties, takedowns: takedowns,
                listings: ListingService(db: db, clock: clock, screening: screening, events: events, penalties: penalties, takedowns: takedowns),
                certifications: CertificationService(db: db, clock: clock, cipher: TestFixtures.cipher), rescreens: rescreens, regulations: regulations,
                catalogue: CatalogueService(db: db, clock: clock, screening: screening, rescreens: rescreens, regulations: regulations),
                events: events)
            if seed {
                // Already stored in the template: these find it and load the catalogue into this test's screening.
                try await regulations.seed()
                try await h.catalogue.bootstrap()
            }
            try await body(h)
        }
    }

    /// A listing that meets every disclosure rule (T/CATIS 030 §5.3) for EU, UK and the rest.
    static func input(_ title: String, markets: [String] = ["US"], price: String = "19.90", currency: String = "USD",
                      description: String = "Plain product.", certifications: [String]? = nil) throws -> ListingInput {
        ListingInput(title: title, description: description, images: [ListingImage(url: "https://cdn.example/p.jpg", alt: "product")],
                     price: try Money(parsing: price, currency: Currency(currency)), originCountry: "CN", markets: markets,
                     certifications: certifications, unit: "1 piece", variationNotice: "Colours may vary slightly.",
                     responsiblePerson: "EU RP B.V., Damrak 1, Amsterdam, NL, rp@example.eu")
    }

    /// A catalogue rule for tests.
    static func rule(_ id: String, _ market: Market, _ category: RuleCategory, _ term: String, effectiveFrom: String = "",
                     requires: [String] = []) -> CatalogueEntry {
        CatalogueEntry(id: id, market: market, category: category, term: term, match: .word, requires: requires, severity: 4,
                       source: "test instrument", effectiveFrom: effectiveFrom)
    }

    /// Kernel's queue with Compliance's job handlers, run by hand (issue 11).
    var queue: JobQueue { JobQueue(db: db, clock: clock) }
    func runner(_ worker: String = "test") -> JobRunner {
        JobRunner(queue: queue, worker: worker,
                  handlers: ComplianceJobs.handlers(rescreens: rescreens, certifications: certifications))
    }

    /// One run of Kernel's deadline scanner over the takedown clock (issue 11 item 2); returns the cases it found
    /// newly breached.
    func escalateBreaches() async throws -> [TakedownCaseID] {
        let scanner = DeadlineScanner(sources: [TakedownDeadlines(clock: clock)], db: db, clock: clock, notifier: nil)
        return try await db.transaction { sql in
            try await scanner.scan(in: sql).filter { $0.level == .breached }.map { TakedownCaseID(unchecked: $0.deadline.entityId) }
        }
    }

    /// Proposes by one officer, approves by another, and runs the re-screen jobs.
    @discardableResult
    func change(_ ops: [CatalogueOp], regulationIds: [String] = []) async throws -> (CatalogueChange, [RescreenJob]) {
        let c = try await catalogue.propose(ops: ops, summary: "test change", regulationIds: regulationIds, by: Self.officer)
        let (approved, _) = try await catalogue.approve(c.id.rawValue, reason: nil, by: Self.officer2)
        return (approved, try await rescreens.drain())
    }
}
