import Compliance
import Foundation
import Kernel
import Logging
import Notifications
import Parties
import Webhooks

/// Everything the HTTP layer needs, assembled once (by the CLI or by tests).
public struct AppServices: Sendable {
    public let db: Database
    public let clock: any WallClock
    public let parties: PartiesServices
    public let idempotency: IdempotencyStore
    /// Kernel's job queue, with the handlers and recurring jobs every module registers (issue 11).
    public let jobs: JobQueue
    public let jobHandlers: [JobHandler]
    public let recurringJobs: [RecurringJob]
    /// Every module's SLA clocks, scanned and escalated in one place (issue 11 item 2, K9).
    public let deadlines: DeadlineScanner
    public let migrator: Migrator
    public let config: AppConfig
    public let metrics: AppMetrics
    public let screening: ScreeningService
    public let listings: ListingService
    public let penalties: PenaltyService
    public let takedowns: TakedownService
    public let certifications: CertificationService
    public let rescreens: RescreenService
    public let regulations: RegulationService
    public let catalogue: CatalogueService
    public let fx: FXService
    /// Keyed checkpoints of the audit chain in a file outside the database (K5).
    public let auditAnchor: AuditAnchor
    /// The outbox every module publishes domain events through, and merchants' signed webhooks (issue 11 item 6).
    public let events: any EventPublisher
    public let webhooks: WebhookServices
    /// Inbox and e-mail notifications (issue 11 item 7); modules notify through `notifier`.
    public let notifications: NotificationService
    public let notifier: any Notifier

    /// `auditKey` defaults to the key derived from the cipher's master key.
    public init(db: Database, clock: any WallClock, cipher: FieldCipher, config: AppConfig,
                exitBlockers: [any ExitBlocker] = [], auditKey: AuditCheckpointKey? = nil) {
        self.db = db
        self.clock = clock
        self.config = config
        var settings = PartiesSettings()
        settings.exitNoticeDays = config.exitNoticeDays
        settings.licenceWarningDays = config.licenceWarningDays
        settings.bcryptCost = UInt8(clamping: max(4, min(config.bcryptCost, 31)))
        settings.sessionIdleTimeout = TimeInterval(max(1, config.sessionIdleMinutes) * 60)
        settings.accountThrottle.freeFailures = max(1, config.loginFreeFailures)
        settings.addressThrottle.freeFailures = max(1, config.loginFreeFailures) * 4
        parties = PartiesServices(PartiesContext(db: db, clock: clock, cipher: cipher, settings: settings, exitBlockers: exitBlockers))
        idempotency = IdempotencyStore(db: db, clock: clock, cipher: cipher)
        migrator = Migrator(AllMigrations.list)
        metrics = AppMetrics()
        auditAnchor = AuditAnchor(db: db, key: auditKey ?? AuditCheckpointKey(cipher: cipher),
                                  file: AuditCheckpointFile(path: config.auditCheckpointPath), clock: clock)
        screening = ScreeningService(clock: clock)
        // Listings, certificates and penalties name merchants that Parties owns.
        let merchants = MerchantDirectory()
        jobs = JobQueue(db: db, clock: clock)
        webhooks = WebhookServices(db: db, clock: clock, cipher: cipher, jobs: jobs, settings: config.webhookSettings(eventTypes: ComplianceEvents.types),
                                   merchants: merchants)
        events = webhooks.publisher
        penalties = PenaltyService(db: db, clock: clock, merchants: merchants)
        takedowns = TakedownService(db: db, clock: clock, penalties: penalties, events: events)
        listings = ListingService(db: db, clock: clock, screening: screening, events: events, penalties: penalties, takedowns: takedowns,
                                  merchants: merchants)
        certifications = CertificationService(db: db, clock: clock, cipher: cipher, merchants: merchants, queue: jobs)
        rescreens = RescreenService(db: db, clock: clock, screening: screening, takedowns: takedowns, queue: jobs)
        regulations = RegulationService(db: db, clock: clock)
        fx = FXService(db: db, clock: clock)
        catalogue = CatalogueService(db: db, clock: clock, screening: screening, rescreens: rescreens, regulations: regulations)
        // Runtime.open has already refused a malformed SMTP setting; nil here means e-mail is off.
        notifications = NotificationService(db: db, clock: clock, directory: PartiesUserDirectory(), jobs: jobs,
                                            smtp: (try? config.smtpSettings()) ?? nil)
        notifier = notifications
        deadlines = DeadlineScanner(sources: [TakedownDeadlines(clock: clock)], db: db, clock: clock, notifier: notifier)
        // `system.probe`: operators' check that every instance's worker runs jobs (tradelane jobs probe).
        jobHandlers = ComplianceJobs.handlers(rescreens: rescreens, certifications: certifications) + [deadlines.handler]
            + webhooks.jobHandlers + notifications.handlers + [SystemProbe(queue: jobs).handler]
        recurringJobs = ComplianceJobs.recurring + [DeadlineScanner.job] + webhooks.recurringJobs
    }
}

/// Every module's migrations in dependency order.
public enum AllMigrations {
    public static let list: [Migration] = KernelMigrations.all + PartiesMigrations.all + ComplianceMigrations.all
        + WebhooksMigrations.all
        + NotificationsMigrations.all
}

extension AppServices {
    /// Migrates and loads reference data: the catalogue's first version and the regulation database. Idempotent,
    /// safe for several instances starting together (each step checks inside its transaction).
    public func prepare() async throws {
        try await migrator.migrate(db)
        try await certifications.sealLegacyFiles()
        try await regulations.seed()
        try await catalogue.bootstrap()
    }
}
