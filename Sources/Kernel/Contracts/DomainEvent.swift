import Foundation
import SQLKit

public enum EventKind: IDKind { public static let prefix = "evt" }
public typealias EventID = PrefixedID<EventKind>

/// Something that happened in a module that other parties may want to hear about (DESIGN "Workers, events,
/// integrations"; issue 11 item 6): a listing taken down, an order paid, a shipment delivered. Merchants' own shops
/// and ERPs receive these as signed webhooks; the payload is the event's public JSON, never secrets.
public struct DomainEvent: Sendable, Equatable, Codable {
    public let id: EventID
    /// Dotted, past tense, stable once published: `listing.taken-down`, `order.paid`.
    public let type: String
    /// The merchant the event concerns: only that merchant's endpoints receive it. Nil: platform-wide.
    public let merchantId: MerchantID?
    /// The record it is about (`listing`, `lst_…`).
    public let entity: String
    public let entityId: String
    public let occurredAt: Date
    /// The event's JSON object (public fields of the record at the time), as text.
    public let data: String

    public init(id: EventID = .generate(), type: String, merchantId: MerchantID?, entity: String, entityId: String,
                occurredAt: Date, data: String = "{}") {
        self.id = id; self.type = type; self.merchantId = merchantId; self.entity = entity; self.entityId = entityId
        self.occurredAt = occurredAt; self.data = data
    }

    /// An event whose data is an `Encodable` value.
    public init(type: String, merchantId: MerchantID?, entity: String, entityId: String, occurredAt: Date, data: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.init(type: type, merchantId: merchantId, entity: entity, entityId: entityId, occurredAt: occurredAt,
                  data: String(decoding: try encoder.encode(data), as: UTF8.self))
    }
}

/// The outbox for domain events. `publish` writes in the caller's transaction, so an event exists exactly when the
/// state change that caused it committed; delivery (webhooks) happens afterwards, at least once, from the job queue.
public protocol EventPublisher: Sendable {
    func publish(_ event: DomainEvent, in sql: any SQLDatabase) async throws
}
