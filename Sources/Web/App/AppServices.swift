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
    /// The Compliance module's services (its fields below are shortcuts into it).
    public let compliance: ComplianceServices
    public var screening: ScreeningService { compliance.screening }
    public var listings: ListingService { compliance.listings }
    public var penalties: PenaltyService { compliance.penalties }
    public var takedowns: TakedownService { compliance.takedowns }
    public var certifications: CertificationService { compliance.certifications }
    public var rescreens: RescreenService { compliance.rescreens }
    public var regulations: RegulationService { compliance.regulations }
    public var catalogue: CatalogueService { compliance.catalogue }
    /// Every module in dependency order (issue 11 item 5): the migrator, the job worker and the deadline scanner are
    /// derived from this list.
    public let modules: [any PlatformModule]
    public let fx: FXService
    /// Keyed checkpoints of the audit chain in a file outside the database (K5).
    public let auditAnchor: AuditAnchor
    /// The outbox every module publishes domain events through, and merchants' signed webhooks (issue 11 item 6).
    public let events: any EventPublisher
    public let webhooks: WebhookServices
    /// Inbox and e-mail notifications (issue 11 item 7); modules notify through `notifier`.
    public let notifications: NotificationService
    public let notifier: any Notifier
    /// Every module's personal data for data-subject requests and the retention sweep (PRV2, PRV3; issue 11 item 3).
    public let personalData: PersonalDataRegistry

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
        // Operators sign in with a second factor in production (issue 12 item 11); optional in demo mode.
        settings.requireOperatorTwoFactor = config.mode == .production
        idempotency = IdempotencyStore(db: db, clock: clock, cipher: cipher)
        migrator = Migrator(AllMigrations.list)
        metrics = AppMetrics()
        auditAnchor = AuditAnchor(db: db, key: auditKey ?? AuditCheckpointKey(cipher: cipher),
                                  file: AuditCheckpointFile(path: config.auditCheckpointPath), clock: clock)
        // Listings, certificates and penalties name merchants that Parties owns.
        let merchants = MerchantDirectory()
        jobs = JobQueue(db: db, clock: clock)
        webhooks = WebhookServices(db: db, clock: clock, cipher: cipher, jobs: jobs, settings: config.webhookSettings(eventTypes: ComplianceEvents.types),
                                   merchants: merchants)
        events = webhooks.publisher
        compliance = ComplianceServices(db: db, clock: clock, cipher: cipher, jobs: jobs, events: events, merchants: merchants)
        fx = FXService(db: db, clock: clock)
        // Runtime.open has already refused a malformed SMTP setting; nil here means e-mail is off.
        notifications = NotificationService(db: db, clock: clock, directory: PartiesUserDirectory(), jobs: jobs,
                                            smtp: (try? config.smtpSettings()) ?? nil, cipher: cipher)
        notifier = notifications
        // Parties asks every other module whether something holds a merchant that wants to close (open orders,
        // disputes, balances); those modules are built first so their blockers exist.
        let others: [any PlatformModule] = [compliance, webhooks, notifications]
        parties = PartiesServices(PartiesContext(db: db, clock: clock, cipher: cipher, settings: settings,
                                                 exitBlockers: exitBlockers + others.exitBlockers, notifier: notifier))
        modules = [KernelModule(jobs: jobs), parties, compliance, webhooks, notifications]
        deadlines = DeadlineScanner(sources: modules.deadlineSources, db: db, clock: clock, notifier: notifier)
        personalData = PersonalDataRegistry(providers: modules.personalDataProviders, db: db, clock: clock)
        jobHandlers = modules.jobHandlers + [deadlines.handler, personalData.handler]
        recurringJobs = modules.recurringJobs + [DeadlineScanner.job, PersonalDataRegistry.job]
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
        try await compliance.prepare()
    }
}
