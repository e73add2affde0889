import Kernel

/// The Compliance module as one value (issue 11 item 5): its services, wired to each other and to Kernel's contracts,
/// and what it contributes to the platform (migrations, jobs, the 24 h takedown clock).
public struct ComplianceServices: PlatformModule {
    public let screening: ScreeningService
    public let penalties: PenaltyService
    public let takedowns: TakedownService
    public let listings: ListingService
    public let certifications: CertificationService
    public let rescreens: RescreenService
    public let regulations: RegulationService
    public let catalogue: CatalogueService
    let clock: any WallClock

    /// `merchants` is Parties' directory (through Kernel's contract); `events` the outbox for domain events.
    public init(db: Database, clock: any WallClock, cipher: FieldCipher, jobs: JobQueue, events: any EventPublisher,
                merchants: (any MerchantRegistry)?) {
        self.clock = clock
        screening = ScreeningService(clock: clock)
        penalties = PenaltyService(db: db, clock: clock, merchants: merchants)
        takedowns = TakedownService(db: db, clock: clock, penalties: penalties, events: events)
        listings = ListingService(db: db, clock: clock, screening: screening, events: events, penalties: penalties, takedowns: takedowns,
                                  merchants: merchants)
        certifications = CertificationService(db: db, clock: clock, cipher: cipher, merchants: merchants, queue: jobs)
        rescreens = RescreenService(db: db, clock: clock, screening: screening, takedowns: takedowns, queue: jobs)
        regulations = RegulationService(db: db, clock: clock)
        catalogue = CatalogueService(db: db, clock: clock, screening: screening, rescreens: rescreens, regulations: regulations)
    }

    public var name: String { "compliance" }
    public var migrations: [Migration] { ComplianceMigrations.all }
    public var jobHandlers: [JobHandler] { ComplianceJobs.handlers(rescreens: rescreens, certifications: certifications) }
    public var recurringJobs: [RecurringJob] { ComplianceJobs.recurring }
    public var deadlineSources: [any DeadlineSource] { [TakedownDeadlines(clock: clock)] }

    /// Loads the regulation database and stores the bundled catalogue as version 1 (idempotent).
    public func prepare() async throws {
        try await certifications.sealLegacyFiles()
        try await regulations.seed()
        try await catalogue.bootstrap()
    }
}
