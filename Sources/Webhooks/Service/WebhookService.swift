import Foundation
import Kernel
import SQLKit

/// What a caller sends to register or change an endpoint (nil: absent; on update, unchanged).
public struct WebhookEndpointInput: Sendable {
    public var merchantId: String?
    public var url: String?
    public var events: [String]?
    public var description: String?
    public var enabled: Bool?
    public init(merchantId: String? = nil, url: String? = nil, events: [String]? = nil, description: String? = nil, enabled: Bool? = nil) {
        self.merchantId = merchantId; self.url = url; self.events = events; self.description = description; self.enabled = enabled
    }
}

/// Merchants' webhook endpoints (issue 11 item 6): register, change, delete, rotate the secret, read the delivery log,
/// resend an event, send a test ping. A merchant admin manages its own merchant's endpoints; the operator admin any
/// merchant's, and platform endpoints (no merchant) for platform-wide events. Every other role is refused (403):
/// endpoints and their logs describe a merchant's own systems, and staff accounts should not redirect its events.
/// Another tenant's endpoint answers 404.
public struct WebhookService: Sendable {
    let db: Database
    let clock: any WallClock
    let cipher: FieldCipher
    let settings: WebhookSettings
    let publisher: WebhookPublisher
    let merchants: (any MerchantRegistry)?
    let audit: AuditLog
    let store = WebhookStore()
    let events = EventStore()

    init(db: Database, clock: any WallClock, cipher: FieldCipher, settings: WebhookSettings, publisher: WebhookPublisher,
         merchants: (any MerchantRegistry)?) {
        self.db = db; self.clock = clock; self.cipher = cipher; self.settings = settings; self.publisher = publisher
        self.merchants = merchants; audit = AuditLog(clock: clock)
    }

    public static func mayManage(_ p: Principal) -> Bool { p.can(.webhooksManage) }

    /// The event types an endpoint may subscribe to (`*` aside).
    public var eventTypes: [String] { settings.eventTypes }

    /// Registers an endpoint; the clear signing secret is returned here only.
    public func create(_ input: WebhookEndpointInput, by p: Principal) async throws -> (WebhookEndpoint, secret: String) {
        try p.require(.webhooksManage)
        let merchantId = try p.merchantForWrite(input.merchantId)
        var v = Validator()
        let url = settings.urlPolicy.validate(input.url, into: &v)
        let types = validEvents(input.events, required: true, into: &v)
        let description = v.text(input.description, field: "description", max: WebhookLimits.descriptionLength, required: false) ?? ""
        try v.finish()
        let now = clock.now()
        let endpoint = WebhookEndpoint(id: .generate(), merchantId: merchantId, url: url!, events: types!, description: description,
                                       enabled: input.enabled ?? true, createdBy: p.actorId, createdAt: now, updatedAt: now)
        let secret = WebhookSecret.generate()
        let sealed = try cipher.seal(secret, context: WebhookSecret.sealContext(endpoint.id))
        try await db.transaction { [store, audit, merchants] sql in
            if let merchantId, p.role.isOperator { try await merchants?.require(merchantId, in: sql) }
            // Serialise creates of one tenant so two at once cannot pass the count together (PostgreSQL; SQLite has one writer).
            if sql.engine == .postgres {
                try await sql.raw("SELECT pg_advisory_xact_lock(hashtextextended(\(bind: "webhooks:" + (merchantId?.rawValue ?? "")), 0))").run()
            }
            guard try await store.count(merchantId: merchantId, in: sql) < WebhookLimits.endpointsPerMerchant else {
                throw CommonError.conflict(code: "webhook-endpoint-limit",
                                           en: "At most \(WebhookLimits.endpointsPerMerchant) webhook endpoints per merchant; delete one first.",
                                           zh: "每个商户最多 \(WebhookLimits.endpointsPerMerchant) 个 Webhook 端点，请先删除一个。")
            }
            try await store.insert(endpoint, sealedSecret: sealed, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: merchantId, action: "webhook.created", entity: "webhook-endpoint",
                                              entityId: endpoint.id.rawValue,
                                              data: ["url": endpoint.url, "events": endpoint.events.joined(separator: ",")]), in: sql)
        }
        return (endpoint, secret)
    }

    public func update(_ id: String, _ input: WebhookEndpointInput, by p: Principal) async throws -> WebhookEndpoint {
        try p.require(.webhooksManage)
        var v = Validator()
        let url = input.url == nil ? nil : settings.urlPolicy.validate(input.url, into: &v)
        let types = validEvents(input.events, required: false, into: &v)
        let description = input.description == nil ? nil
            : (v.text(input.description, field: "description", max: WebhookLimits.descriptionLength, required: false) ?? "")
        if input.merchantId != nil {
            v.fail("merchantId", "read-only", en: "merchantId cannot be changed.", zh: "merchantId 不可修改。")
        }
        try v.finish()
        return try await db.transaction { [store, audit, clock] sql in
            var e = try await self.find(id, p, in: sql)
            var changed: [String: String] = [:]
            if let url, url != e.url { e.url = url; changed["url"] = url }
            if let types, types != e.events { e.events = types; changed["events"] = types.joined(separator: ",") }
            if let description, description != e.description { e.description = description; changed["description"] = "changed" }
            if let enabled = input.enabled, enabled != e.enabled { e.enabled = enabled; changed["enabled"] = String(enabled) }
            guard !changed.isEmpty else { return e }
            e.updatedAt = clock.now()
            try await store.update(e, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: e.merchantId, action: "webhook.updated", entity: "webhook-endpoint",
                                              entityId: id, data: changed), in: sql)
            return e
        }
    }

    /// Deletes the endpoint and its delivery log; queued deliveries to it complete as nothing to do.
    public func delete(_ id: String, by p: Principal) async throws {
        try p.require(.webhooksManage)
        try await db.transaction { [store, audit] sql in
            let e = try await self.find(id, p, in: sql)
            try await store.delete(e.id, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: e.merchantId, action: "webhook.deleted", entity: "webhook-endpoint",
                                              entityId: id, data: ["url": e.url]), in: sql)
        }
    }

    /// A new signing secret, returned here only; the old one stops working at once.
    public func rotateSecret(_ id: String, by p: Principal) async throws -> (WebhookEndpoint, secret: String) {
        try p.require(.webhooksManage)
        let secret = WebhookSecret.generate()
        return try await db.transaction { [store, audit, clock, cipher] sql in
            var e = try await self.find(id, p, in: sql)
            e.updatedAt = clock.now()
            try await store.setSecret(e.id, sealed: try cipher.seal(secret, context: WebhookSecret.sealContext(e.id)), at: e.updatedAt, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: e.merchantId, action: "webhook.secret-rotated",
                                              entity: "webhook-endpoint", entityId: id), in: sql)
            return (e, secret)
        }
    }

    public func get(_ id: String, by p: Principal) async throws -> WebhookEndpoint {
        try p.require(.webhooksManage)
        return try await db.read { try await self.find(id, p, in: $0) }
    }

    /// Endpoints by id; `next` is the cursor of the following page (nil on the last).
    public func list(merchantId: MerchantID? = nil, limit: Int? = nil, after: String? = nil, by p: Principal) async throws -> ([WebhookEndpoint], next: String?) {
        try p.require(.webhooksManage)
        let n = min(max(limit ?? 50, 1), 200)
        let rows = try await db.read { [store] in
            try await store.list(scope: p.scope, merchantId: merchantId, limit: n + 1, after: after, in: $0)
        }
        let page = Array(rows.prefix(n))
        return (page, rows.count > n ? page.last?.id.rawValue : nil)
    }

    /// The endpoint's delivery attempts, newest first.
    public func deliveries(_ id: String, limit: Int? = nil, after: String? = nil, by p: Principal) async throws -> ([WebhookDelivery], next: String?) {
        try p.require(.webhooksManage)
        let n = min(max(limit ?? 50, 1), 200)
        let rows = try await db.read { [store] sql in
            let e = try await self.find(id, p, in: sql)
            return try await store.deliveries(endpointId: e.id.rawValue, limit: n + 1, after: after, in: sql)
        }
        let page = Array(rows.prefix(n))
        return (page, rows.count > n ? page.last?.id.rawValue : nil)
    }

    /// Queues the event for this endpoint again (audited). The event must be the endpoint's own tenant's.
    public func resend(_ id: String, eventId: String?, by p: Principal) async throws -> DomainEvent {
        try p.require(.webhooksManage)
        var v = Validator()
        let eid = v.text(eventId, field: "eventId", max: 64)
        try v.finish()
        return try await db.transaction { [events, audit, publisher] sql in
            let e = try await self.find(id, p, in: sql)
            guard let event = try await events.find(eid!, scope: e.merchantId.map(TenantScope.merchant) ?? .operatorWide, in: sql),
                  event.merchantId == e.merchantId else {
                throw CommonError.notFound(entity: "event", id: eid!)
            }
            try await publisher.enqueue(event.id, to: e.id, trigger: .resend, dedupeKey: nil, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: e.merchantId, action: "webhook.resent", entity: "webhook-endpoint",
                                              entityId: id, data: ["event": event.id.rawValue, "type": event.type]), in: sql)
            return event
        }
    }

    /// Sends a `webhook.ping` event to this endpoint only (whatever it subscribes to), to test the receiver.
    public func ping(_ id: String, by p: Principal) async throws -> DomainEvent {
        try p.require(.webhooksManage)
        return try await db.transaction { [events, audit, publisher, clock] sql in
            let e = try await self.find(id, p, in: sql)
            let now = clock.now()
            let event = DomainEvent(type: WebhookEventTypes.ping, merchantId: e.merchantId, entity: "webhook-endpoint", entityId: e.id.rawValue,
                                    occurredAt: now, data: #"{"message":"Test event from Tradelane"}"#)
            try await events.insert(event, at: now, in: sql)
            try await publisher.enqueue(event.id, to: e.id, trigger: .ping, dedupeKey: nil, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: e.merchantId, action: "webhook.pinged", entity: "webhook-endpoint",
                                              entityId: id, data: ["event": event.id.rawValue]), in: sql)
            return event
        }
    }

    private func find(_ id: String, _ p: Principal, in sql: any SQLDatabase) async throws -> WebhookEndpoint {
        guard let e = try await store.find(id, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "webhook endpoint", id: id) }
        return e
    }

    /// `["*"]` or known types, at most `WebhookLimits.eventTypes`, duplicates dropped.
    func validEvents(_ given: [String]?, required: Bool, into v: inout Validator) -> [String]? {
        guard let given else {
            if required { v.fail("events", "required", en: "events is required (event types, or [\"*\"] for all).", zh: "events 为必填项（事件类型列表，或 [\"*\"] 表示全部）。") }
            return nil
        }
        guard !given.isEmpty, given.count <= WebhookLimits.eventTypes else {
            v.fail("events", "count", en: "events must list 1–\(WebhookLimits.eventTypes) event types.", zh: "events 须包含 1–\(WebhookLimits.eventTypes) 个事件类型。")
            return nil
        }
        var out: [String] = []
        let known = Set(settings.eventTypes)
        for (i, t) in given.enumerated() {
            guard t == WebhookEventTypes.all || known.contains(t) else {
                v.fail("events[\(i)]", "unknown-event-type", en: "Unknown event type \(t.prefix(100)).", zh: "未知的事件类型 \(t.prefix(100))。")
                continue
            }
            if !out.contains(t) { out.append(t) }
        }
        if out.contains(WebhookEventTypes.all) { out = [WebhookEventTypes.all] }
        return out
    }
}
