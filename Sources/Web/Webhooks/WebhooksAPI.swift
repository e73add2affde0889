import Foundation
import Hummingbird
import Kernel
import Webhooks

/// Merchants' webhook endpoints and their delivery logs (issue 11 item 6). Permissions are the service's.
struct WebhooksAPI {
    let services: AppServices
    var webhooks: WebhookService { services.webhooks.endpoints }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("webhooks", use: list)
        api.post("webhooks", use: create)
        api.get("webhooks/:id", use: get)
        api.patch("webhooks/:id", use: update)
        api.delete("webhooks/:id", use: delete)
        api.post("webhooks/:id/rotate-secret", use: rotate)
        api.get("webhooks/:id/deliveries", use: deliveries)
        api.post("webhooks/:id/resend", use: resend)
        api.post("webhooks/:id/ping", use: ping)
    }

    struct EndpointBody: Decodable {
        let merchantId: String?, url: String?, events: [String]?, description: String?, enabled: Bool?
        static let keys: Set<String> = ["merchantId", "url", "events", "description", "enabled"]
        var input: WebhookEndpointInput {
            WebhookEndpointInput(merchantId: merchantId, url: url, events: events, description: description, enabled: enabled)
        }
    }

    func list(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let q = Query(request: r)
        let (items, next) = try await webhooks.list(merchantId: try q.id("merchantId", MerchantID.self), limit: try q.int("limit", in: 1...200),
                                                    after: q.string("after"), by: try c.requirePrincipal())
        return try JSONIO.response(ListDTO(data: items.map { WebhookEndpointDTO($0) }, next: next))
    }

    func create(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(EndpointBody.self, r, c, allowedKeys: EndpointBody.keys)
        let (e, secret) = try await webhooks.create(b.input, by: p)
        return try JSONIO.response(WebhookEndpointDTO(e, secret: secret), status: .created, location: "/api/v1/webhooks/\(e.id)")
    }

    func get(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try JSONIO.response(WebhookEndpointDTO(try await webhooks.get(try c.parameters.require("id"), by: try c.requirePrincipal())))
    }

    func update(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(EndpointBody.self, r, c, allowedKeys: EndpointBody.keys)
        return try JSONIO.response(WebhookEndpointDTO(try await webhooks.update(try c.parameters.require("id"), b.input, by: p)))
    }

    func delete(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try await webhooks.delete(try c.parameters.require("id"), by: try c.requirePrincipal())
        return Response(status: .noContent)
    }

    func rotate(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: [], allowEmpty: true)
        let (e, secret) = try await webhooks.rotateSecret(try c.parameters.require("id"), by: p)
        return try JSONIO.response(WebhookEndpointDTO(e, secret: secret))
    }

    func deliveries(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let q = Query(request: r)
        let (items, next) = try await webhooks.deliveries(try c.parameters.require("id"), limit: try q.int("limit", in: 1...200),
                                                          after: q.string("after"), by: try c.requirePrincipal())
        return try JSONIO.response(ListDTO(data: items.map(WebhookDeliveryDTO.init), next: next))
    }

    struct ResendBody: Decodable {
        let eventId: String?
        static let keys: Set<String> = ["eventId"]
    }

    func resend(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ResendBody.self, r, c, allowedKeys: ResendBody.keys)
        let event = try await webhooks.resend(try c.parameters.require("id"), eventId: b.eventId, by: p)
        return try JSONIO.response(QueuedEventDTO(event), status: .accepted)
    }

    func ping(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: [], allowEmpty: true)
        return try JSONIO.response(QueuedEventDTO(try await webhooks.ping(try c.parameters.require("id"), by: p)), status: .accepted)
    }
}

struct WebhookEndpointDTO: Encodable {
    let id: String
    @ExplicitNull var merchantId: String?
    let url: String
    let events: [String]
    let description: String
    let enabled: Bool
    let createdBy: String
    let createdAt: String
    let updatedAt: String
    /// The clear signing secret: only in the responses that create or rotate it.
    let secret: String?
    init(_ e: WebhookEndpoint, secret: String? = nil) {
        id = e.id.rawValue; merchantId = e.merchantId?.rawValue; url = e.url; events = e.events; description = e.description; enabled = e.enabled
        createdBy = e.createdBy; createdAt = e.createdAt.rfc3339; updatedAt = e.updatedAt.rfc3339; self.secret = secret
    }
}

struct WebhookDeliveryDTO: Encodable {
    let id: String, endpointId: String, eventId: String, eventType: String, trigger: String, attempt: Int, attemptedAt: String
    let outcome: String
    @ExplicitNull var httpStatus: Int?
    @ExplicitNull var error: String?
    let latencyMs: Int
    let responseExcerpt: String
    init(_ d: WebhookDelivery) {
        id = d.id.rawValue; endpointId = d.endpointId; eventId = d.eventId; eventType = d.eventType; trigger = d.trigger.rawValue
        attempt = d.attempt; attemptedAt = d.attemptedAt.rfc3339; outcome = d.outcome.rawValue; httpStatus = d.httpStatus; error = d.error
        latencyMs = d.latencyMs; responseExcerpt = d.responseExcerpt
    }
}

struct QueuedEventDTO: Encodable {
    let eventId: String, type: String, entity: String, entityId: String, createdAt: String
    init(_ e: DomainEvent) { eventId = e.id.rawValue; type = e.type; entity = e.entity; entityId = e.entityId; createdAt = e.occurredAt.rfc3339 }
}
