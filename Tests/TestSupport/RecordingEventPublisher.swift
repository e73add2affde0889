import Kernel
import SQLKit
import Synchronization

/// An `EventPublisher` for module tests that run without the webhooks module: it keeps what was published (also from
/// transactions that later rolled back, which the real outbox never delivers; see WebhooksTests for that).
public final class RecordingEventPublisher: EventPublisher {
    private let events = Mutex<[DomainEvent]>([])
    public init() {}
    public func publish(_ event: DomainEvent, in sql: any SQLDatabase) async throws {
        events.withLock { $0.append(event) }
    }
    public var published: [DomainEvent] { events.withLock { $0 } }
    public func types(entityId: String) -> [String] { published.filter { $0.entityId == entityId }.map(\.type) }
}
