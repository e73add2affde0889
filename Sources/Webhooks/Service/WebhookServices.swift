import Foundation
import Kernel

/// The webhooks module as the app wires it: the event publisher every module publishes through (as Kernel's
/// `EventPublisher`), the endpoint service, and the delivery job handler for the job worker.
public struct WebhookServices: Sendable {
    public let publisher: WebhookPublisher
    public let endpoints: WebhookService
    public let jobHandlers: [JobHandler]
    public let recurringJobs: [RecurringJob] = [WebhookJobs.prune]
    public let settings: WebhookSettings

    /// `transport` defaults to real HTTP (tests may pass another).
    public init(db: Database, clock: any WallClock, cipher: FieldCipher, jobs: JobQueue, settings: WebhookSettings,
                merchants: (any MerchantRegistry)? = nil, transport: any WebhookTransport = HTTPWebhookTransport()) {
        var settings = settings
        if !settings.eventTypes.contains(WebhookEventTypes.ping) { settings.eventTypes.append(WebhookEventTypes.ping) }
        self.settings = settings
        publisher = WebhookPublisher(clock: clock, jobs: jobs, settings: settings)
        endpoints = WebhookService(db: db, clock: clock, cipher: cipher, settings: settings, publisher: publisher, merchants: merchants)
        jobHandlers = [WebhookDeliverer(db: db, clock: clock, cipher: cipher, settings: settings, transport: transport).handler,
                       WebhookPruner(clock: clock, settings: settings).handler]
    }
}

/// Webhooks as a platform module (issue 11 item 5): deliveries and pruning run on Kernel's job queue.
extension WebhookServices: PlatformModule {
    public var name: String { "webhooks" }
    public var migrations: [Migration] { WebhooksMigrations.all }
}
