import Foundation
import Kernel
import SQLKit
import TestSupport
import Webhooks

/// The webhooks module over a fresh database, a manual clock, a job runner run by hand and a local receiver.
struct WebhooksHarness {
    let db: Database
    let clock: FixedClock
    let jobs: JobQueue
    let webhooks: WebhookServices
    let receiver: WebhookReceiver
    let runner: JobRunner

    static let adminA = Principal(actorId: "usr_aa", userId: "usr_aa", merchantId: "mer_a", role: .merchantAdmin, channel: .session)
    static let staffA = Principal(actorId: "usr_as", userId: "usr_as", merchantId: "mer_a", role: .merchantStaff, channel: .session)
    static let adminB = Principal(actorId: "usr_bb", userId: "usr_bb", merchantId: "mer_b", role: .merchantAdmin, channel: .session)
    static let officer = Principal(actorId: "usr_co", userId: "usr_co", merchantId: nil, role: .complianceOfficer, channel: .session)
    static let operatorAdmin = Principal(actorId: "usr_op", userId: "usr_op", merchantId: nil, role: .operatorAdmin, channel: .session)
    static let types = ["listing.taken-down", "order.paid"]

    static func with(allowPrivate: Bool = true, timeout: TimeInterval = 5, _ body: (WebhooksHarness) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all + WebhooksMigrations.all) { db in
            let clock = FixedClock(TestFixtures.start)
            let jobs = JobQueue(db: db, clock: clock)
            var settings = WebhookSettings(allowPrivateNetworks: allowPrivate, eventTypes: types)
            settings.requestTimeout = timeout
            settings.maxAttempts = 3
            let webhooks = WebhookServices(db: db, clock: clock, cipher: TestFixtures.cipher, jobs: jobs, settings: settings)
            let receiver = try await WebhookReceiver.start()
            let h = WebhooksHarness(db: db, clock: clock, jobs: jobs, webhooks: webhooks, receiver: receiver,
                                    runner: JobRunner(queue: jobs, worker: "test", handlers: webhooks.jobHandlers))
            do {
                try await body(h)
                await receiver.stop()
            } catch {
                await receiver.stop()
                throw error
            }
        }
    }

    var service: WebhookService { webhooks.endpoints }

    /// Registers an endpoint on the receiver at `path`.
    @discardableResult
    func endpoint(_ path: String, by p: Principal = adminA, events: [String] = ["*"]) async throws -> (WebhookEndpoint, String) {
        try await service.create(WebhookEndpointInput(url: receiver.url(path), events: events), by: p)
    }

    /// Publishes in its own committed transaction, as a module's change would.
    @discardableResult
    func publish(_ type: String = "listing.taken-down", merchant: MerchantID? = "mer_a", entityId: String = "lst_1") async throws -> DomainEvent {
        let event = DomainEvent(type: type, merchantId: merchant, entity: "listing", entityId: entityId, occurredAt: clock.now(),
                                data: #"{"listingId":"\#(entityId)","status":"taken-down"}"#)
        try await publish(event)
        return event
    }

    struct Abort: Error {}

    /// Publishes `event` in a transaction that commits, or (`thenFail`) rolls back by throwing `Abort` after it.
    func publish(_ event: DomainEvent, thenFail: Bool = false) async throws {
        try await db.transaction { [webhooks] sql in
            try await webhooks.publisher.publish(event, in: sql)
            if thenFail { throw Abort() }
        }
    }

    func deliveries(_ e: WebhookEndpoint) async throws -> [WebhookDelivery] {
        try await service.deliveries(e.id.rawValue, limit: 200, by: Self.operatorAdmin).0
    }
}
