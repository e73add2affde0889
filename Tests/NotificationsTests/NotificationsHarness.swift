import Foundation
import Kernel
import Notifications
import Parties
import SQLKit
import TestSupport

/// A migrated database with Parties (the real user directory), the notification service pointed at an SMTP sink,
/// and a job runner to deliver by hand.
struct NotificationsHarness {
    let db: Database
    let clock: FixedClock
    let parties: PartiesServices
    let sink: SMTPSink
    let service: NotificationService
    let runner: JobRunner
    let system = Principal.system("test")

    /// `replyTimeout`: seconds the client waits for each SMTP reply (short for the hanging-server test).
    static func with(email: Bool = true, replyTimeout: TimeInterval = 5, maxAttempts: Int = 6,
                     _ body: (NotificationsHarness) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all + PartiesMigrations.all + NotificationsMigrations.all) { db in
            let clock = FixedClock(TestFixtures.start)
            var settings = PartiesSettings()
            settings.bcryptCost = 4
            let parties = PartiesServices(PartiesContext(db: db, clock: clock, cipher: TestFixtures.cipher, settings: settings))
            let sink = try await SMTPSink.start()
            var smtp = try SMTPSettings.parse(url: sink.url, from: "Tradelane 通知 <noreply@tradelane.test>")
            smtp.connectTimeout = 5
            smtp.replyTimeout = replyTimeout
            let queue = JobQueue(db: db, clock: clock)
            var service = NotificationService(db: db, clock: clock, directory: PartiesUserDirectory(), jobs: queue, smtp: email ? smtp : nil,
                                              cipher: TestFixtures.cipher)
            service.emailMaxAttempts = maxAttempts
            let runner = JobRunner(queue: queue, worker: "test", handlers: service.handlers)
            do {
                try await body(NotificationsHarness(db: db, clock: clock, parties: parties, sink: sink, service: service, runner: runner))
            } catch {
                await sink.stop()
                throw error
            }
            await sink.stop()
        }
    }

    func merchant(_ name: String) async throws -> Merchant {
        try await parties.merchants.create(MerchantInput(name: name, country: "CN", contactEmail: "ops@\(UUID().uuidString.prefix(6)).example"), by: system)
    }

    @discardableResult
    func user(_ email: String, _ role: Role, merchant: Merchant? = nil, language: Language = .en, disabled: Bool = false) async throws -> User {
        let u = try await parties.users.create(UserInput(email: email, displayName: email.components(separatedBy: "@")[0], password: "long enough password",
                                                         role: role.rawValue, merchantId: merchant?.id.rawValue, language: language.rawValue), by: system)
        if disabled { _ = try await parties.users.update(u.id, UserInput(disabled: true), by: system) }
        return u
    }

    func principal(_ u: User) -> Principal {
        Principal(actorId: u.id.rawValue, userId: u.id, merchantId: u.merchantId, role: u.role, channel: .session)
    }

    func notify(_ request: NotificationRequest) async throws {
        try await db.transaction { [service] sql in try await service.notify(request, in: sql) }
    }

    func inbox(_ u: User) async throws -> [UserNotification] {
        try await service.list(limit: 200, by: principal(u)).items
    }

    func emails(_ u: User) async throws -> [UserNotification] {
        try await service.list(channel: .email, limit: 200, by: principal(u)).items
    }

    func jobCount() async throws -> Int {
        try await db.read { try await $0.raw("SELECT COUNT(*) AS n FROM jobs").first()!.decode(column: "n", as: Int.self) }
    }

    static func breached(_ key: String? = "takedown:tdc_1:breach") -> NotificationRequest {
        NotificationRequest(recipients: [.role(.complianceOfficer, merchantId: nil)], template: "deadline.breached",
                            params: ["clock": "24h", "clock@zh": "24小时", "subject": "Wallet", "entity": "takedown", "entityId": "tdc_1",
                                     "dueAt": "2026-03-03T02:00:00Z"],
                            entity: "takedown", entityId: "tdc_1", dedupeKey: key)
    }
}
