import Foundation
import Kernel
import SQLKit

/// SQL for `webhook_endpoints` and `webhook_deliveries`; every read is scoped by the caller's tenant.
struct WebhookStore: Sendable {
    static let endpointColumns = ["id", "merchant_id", "url", "events", "description", "enabled", "created_by", "created_at", "updated_at"]

    func insert(_ e: WebhookEndpoint, sealedSecret: String, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "webhook_endpoints")
            .columns(Self.endpointColumns + ["secret_sealed"])
            .values(SQLBind(e.id.rawValue), SQLBind(e.merchantId?.rawValue), SQLBind(e.url), SQLBind(Self.json(e.events)), SQLBind(e.description),
                    SQLBind(Int64(e.enabled ? 1 : 0)), SQLBind(e.createdBy), SQLBind(e.createdAt.epochMillis), SQLBind(e.updatedAt.epochMillis),
                    SQLBind(sealedSecret))
            .run()
    }

    func update(_ e: WebhookEndpoint, in sql: any SQLDatabase) async throws {
        try await sql.update("webhook_endpoints")
            .set("url", to: e.url).set("events", to: Self.json(e.events)).set("description", to: e.description)
            .set("enabled", to: Int64(e.enabled ? 1 : 0)).set("updated_at", to: e.updatedAt.epochMillis)
            .where("id", .equal, e.id.rawValue).run()
    }

    func setSecret(_ id: WebhookEndpointID, sealed: String, at now: Date, in sql: any SQLDatabase) async throws {
        try await sql.update("webhook_endpoints").set("secret_sealed", to: sealed).set("updated_at", to: now.epochMillis)
            .where("id", .equal, id.rawValue).run()
    }

    func delete(_ id: WebhookEndpointID, in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "webhook_deliveries").where("endpoint_id", .equal, id.rawValue).run()
        try await sql.delete(from: "webhook_endpoints").where("id", .equal, id.rawValue).run()
    }

    func find(_ id: String, scope: TenantScope, in sql: any SQLDatabase) async throws -> WebhookEndpoint? {
        let q = sql.select().columns(Self.endpointColumns.map { SQLIdentifier($0) }).from("webhook_endpoints").where("id", .equal, id)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        return try await q.first().map(Self.endpoint)
    }

    func sealedSecret(_ id: String, in sql: any SQLDatabase) async throws -> String? {
        try await sql.select().column("secret_sealed").from("webhook_endpoints").where("id", .equal, id).first()?
            .decode(column: "secret_sealed", as: String.self)
    }

    /// Endpoints ordered by id; `merchantId` narrows an operator's list.
    func list(scope: TenantScope, merchantId: MerchantID?, limit: Int, after: String?, in sql: any SQLDatabase) async throws -> [WebhookEndpoint] {
        let q = sql.select().columns(Self.endpointColumns.map { SQLIdentifier($0) }).from("webhook_endpoints")
        if let m = scope.merchantId ?? merchantId { q.where("merchant_id", .equal, m.rawValue) }
        if let after { q.where("id", .greaterThan, after) }
        return try await q.orderBy("id").limit(limit).all().map(Self.endpoint)
    }

    func count(merchantId: MerchantID?, in sql: any SQLDatabase) async throws -> Int {
        let q = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("webhook_endpoints")
        if let merchantId { q.where("merchant_id", .equal, merchantId.rawValue) } else { q.where(SQLColumn("merchant_id"), .is, SQLLiteral.null) }
        return try await q.first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The enabled endpoints of exactly the event's tenant (platform endpoints for a platform-wide event): the wall.
    func enabled(merchantId: MerchantID?, in sql: any SQLDatabase) async throws -> [WebhookEndpoint] {
        let q = sql.select().columns(Self.endpointColumns.map { SQLIdentifier($0) }).from("webhook_endpoints").where("enabled", .equal, Int64(1))
        if let merchantId { q.where("merchant_id", .equal, merchantId.rawValue) } else { q.where(SQLColumn("merchant_id"), .is, SQLLiteral.null) }
        return try await q.orderBy("id").all().map(Self.endpoint)
    }

    func insert(_ d: WebhookDelivery, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "webhook_deliveries")
            .columns("id", "endpoint_id", "merchant_id", "event_id", "event_type", "trigger", "attempt", "attempted_at", "outcome",
                     "http_status", "error", "latency_ms", "response_excerpt")
            .values(SQLBind(d.id.rawValue), SQLBind(d.endpointId), SQLBind(d.merchantId?.rawValue), SQLBind(d.eventId), SQLBind(d.eventType),
                    SQLBind(d.trigger.rawValue), SQLBind(Int64(d.attempt)), SQLBind(d.attemptedAt.epochMillis), SQLBind(d.outcome.rawValue),
                    SQLBind(d.httpStatus.map(Int64.init)), SQLBind(d.error), SQLBind(Int64(d.latencyMs)), SQLBind(d.responseExcerpt))
            .run()
    }

    /// An endpoint's deliveries, newest first; `after` is the id of the last delivery of the previous page.
    func deliveries(endpointId: String, limit: Int, after: String?, in sql: any SQLDatabase) async throws -> [WebhookDelivery] {
        var cursor: (Int64, String)?
        if let after, let row = try await sql.select().column("attempted_at").from("webhook_deliveries")
            .where("id", .equal, after).where("endpoint_id", .equal, endpointId).first() {
            cursor = (try row.decode(column: "attempted_at", as: Int64.self), after)
        }
        let q = sql.select().columns(Self.deliveryColumns.map { SQLIdentifier($0) }).from("webhook_deliveries")
            .where("endpoint_id", .equal, endpointId)
        if let cursor {
            let (at, id) = cursor
            q.where(group: { g in
                g.where("attempted_at", .lessThan, at).orWhere(group: { $0.where("attempted_at", .equal, at).where("id", .lessThan, id) })
            })
        }
        let rows = try await q.orderBy("attempted_at", .descending).orderBy("id", .descending).limit(limit).all()
        return try rows.map(Self.delivery)
    }

    static let deliveryColumns = ["id", "endpoint_id", "merchant_id", "event_id", "event_type", "trigger", "attempt", "attempted_at",
                                  "outcome", "http_status", "error", "latency_ms", "response_excerpt"]

    static func json(_ events: [String]) -> String { String(decoding: try! JSONEncoder().encode(events), as: UTF8.self) }

    static func endpoint(_ row: any SQLRow) throws -> WebhookEndpoint {
        let events = try JSONDecoder().decode([String].self, from: Data(try row.decode(column: "events", as: String.self).utf8))
        return WebhookEndpoint(id: WebhookEndpointID(unchecked: try row.decode(column: "id", as: String.self)),
                               merchantId: try row.decode(column: "merchant_id", as: String?.self).map(MerchantID.init(unchecked:)),
                               url: try row.decode(column: "url", as: String.self), events: events,
                               description: try row.decode(column: "description", as: String.self),
                               enabled: try row.decode(column: "enabled", as: Int64.self) != 0,
                               createdBy: try row.decode(column: "created_by", as: String.self),
                               createdAt: Date(epochMillis: try row.decode(column: "created_at", as: Int64.self)),
                               updatedAt: Date(epochMillis: try row.decode(column: "updated_at", as: Int64.self)))
    }

    static func delivery(_ row: any SQLRow) throws -> WebhookDelivery {
        WebhookDelivery(id: WebhookDeliveryID(unchecked: try row.decode(column: "id", as: String.self)),
                        endpointId: try row.decode(column: "endpoint_id", as: String.self),
                        merchantId: try row.decode(column: "merchant_id", as: String?.self).map(MerchantID.init(unchecked:)),
                        eventId: try row.decode(column: "event_id", as: String.self),
                        eventType: try row.decode(column: "event_type", as: String.self),
                        trigger: WebhookDelivery.Trigger(rawValue: try row.decode(column: "trigger", as: String.self)) ?? .event,
                        attempt: Int(try row.decode(column: "attempt", as: Int64.self)),
                        attemptedAt: Date(epochMillis: try row.decode(column: "attempted_at", as: Int64.self)),
                        outcome: WebhookDelivery.Outcome(rawValue: try row.decode(column: "outcome", as: String.self)) ?? .failed,
                        httpStatus: try row.decode(column: "http_status", as: Int64?.self).map { Int($0) },
                        error: try row.decode(column: "error", as: String?.self),
                        latencyMs: Int(try row.decode(column: "latency_ms", as: Int64.self)),
                        responseExcerpt: try row.decode(column: "response_excerpt", as: String.self))
    }
}
