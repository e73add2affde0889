import Foundation
import Kernel
import SQLKit

/// SQL for `domain_events`.
struct EventStore: Sendable {
    func insert(_ e: DomainEvent, at now: Date, in sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO domain_events (id, type, merchant_id, entity, entity_id, occurred_at, data, created_at)
            VALUES (\(bind: e.id.rawValue), \(bind: e.type), \(bind: e.merchantId?.rawValue), \(bind: e.entity), \(bind: e.entityId),
                    \(bind: e.occurredAt.epochMillis), \(bind: e.data), \(bind: now.epochMillis))
            ON CONFLICT DO NOTHING
            """).run()
    }

    /// The event, if the caller's scope may see it.
    func find(_ id: String, scope: TenantScope, in sql: any SQLDatabase) async throws -> DomainEvent? {
        let q = sql.select().columns("id", "type", "merchant_id", "entity", "entity_id", "occurred_at", "data")
            .from("domain_events").where("id", .equal, id)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        return try await q.first().map(Self.event)
    }

    static func event(_ row: any SQLRow) throws -> DomainEvent {
        DomainEvent(id: EventID(unchecked: try row.decode(column: "id", as: String.self)),
                    type: try row.decode(column: "type", as: String.self),
                    merchantId: try row.decode(column: "merchant_id", as: String?.self).map(MerchantID.init(unchecked:)),
                    entity: try row.decode(column: "entity", as: String.self),
                    entityId: try row.decode(column: "entity_id", as: String.self),
                    occurredAt: Date(epochMillis: try row.decode(column: "occurred_at", as: Int64.self)),
                    data: try row.decode(column: "data", as: String.self))
    }
}
