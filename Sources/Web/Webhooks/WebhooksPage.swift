import Foundation
import Hummingbird
import Kernel
import Parties
import Webhooks

/// Webhooks (issue 11 item 6): a merchant admin's endpoints (the operator admin sees every merchant's), a form to add
/// one with its signing secret shown once, and an endpoint's delivery log with a resend button per event.
struct WebhooksPage: ConsolePage {
    let routes: ConsoleRoutes
    static let secretCookie = "tl_whsecret"
    var webhooks: WebhookService { services.webhooks.endpoints }

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("webhooks", use: show)
        console.post("webhooks", use: create)
        console.post("webhooks/:id/enabled", use: toggle)
        console.post("webhooks/:id/rotate", use: rotate)
        console.post("webhooks/:id/delete", use: delete)
        console.post("webhooks/:id/ping", use: ping)
        console.post("webhooks/:id/resend", use: resend)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let q = Query(request: r)
        // Endpoints page by their own cursor (`endpoints-after`), so none is silently left out (issue 12 item 6).
        let (endpoints, endpointsNext) = try await webhooks.list(limit: 200, after: q.string("endpoints-after"), by: p)
        var names: [String: String] = [:]
        if p.merchantId == nil { names = await routes.merchantNames(by: p) }
        let selected = q.string("endpoint").flatMap { id in endpoints.first { $0.id.rawValue == id } } ?? endpoints.first
        var model = WebhooksPageModel(
            rows: endpoints.map { e in
                .init(id: e.id.rawValue, url: e.url, events: e.events.joined(separator: ", "), description: e.description,
                      enabled: e.enabled, merchant: e.merchantId.map { names[$0.rawValue] ?? $0.rawValue } ?? Self.t("whPlatform", lang),
                      selected: e.id == selected?.id, updatedAt: routes.date(e.updatedAt, lang),
                      confirmDelete: LocalizedText(en: "Delete the webhook endpoint \(e.url)? Events are no longer sent to it.",
                                                   zh: "删除 Webhook 端点 \(e.url)？此后不再向其推送事件。")(lang),
                      confirmRotate: LocalizedText(
                        en: "Replace the signing secret of \(e.url)? The old secret stops working at once: update the receiver with the new one.",
                        zh: "更换 \(e.url) 的签名密钥？旧密钥立即失效，请在接收端改用新密钥。")(lang))
            },
            eventTypes: webhooks.eventTypes.filter { $0 != WebhookEventTypes.ping }.map { .init(value: $0) },
            isOperatorAdmin: p.role.isOperator && p.can(.webhooksManage),
            merchantOptions: names.sorted { $0.value < $1.value }.map { Choice(value: $0.key, label: $0.value) })
        if let selected {
            let (items, next) = try await webhooks.deliveries(selected.id.rawValue, limit: 50, after: q.string("after"), by: p)
            model.endpoint = .init(id: selected.id.rawValue, url: selected.url)
            model.deliveries = items.map { d in
                .init(id: d.id.rawValue, eventId: d.eventId, eventType: d.eventType, trigger: d.trigger.rawValue, attempt: d.attempt,
                      at: routes.date(d.attemptedAt, lang), delivered: d.outcome == .delivered,
                      status: d.httpStatus.map(String.init) ?? (d.error ?? "—"), latency: d.latencyMs, excerpt: d.responseExcerpt)
            }
            if let next { model.nextPage = "/console/webhooks?endpoint=\(selected.id.rawValue)&after=\(next)" }
        }
        model.endpointsNext = endpointsNext.map { "?endpoints-after=\(ConsoleRoutes.urlEncode($0))" }
        if let secret = r.cookies[Self.secretCookie]?.value, !secret.isEmpty { model.newSecret = secret }
        var response = routes.page(model, c, r)
        response.setCookie(Cookie(name: Self.secretCookie, value: "", maxAge: 0, path: "/console/webhooks", httpOnly: true, sameSite: .strict))
        return response
    }

    func create(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        // One checkbox per type (`ev_<type>`, `ev_*` for all): the form parser keeps one value per name.
        let events = f.values.keys.filter { $0.hasPrefix("ev_") }.map { String($0.dropFirst(3)) }.sorted()
        let merchant = f["merchantId"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            let (e, secret) = try await webhooks.create(WebhookEndpointInput(merchantId: merchant, url: f["url"], events: events.isEmpty ? nil : events,
                                                                             description: f["description"]), by: s.principal)
            return secretShown(e, secret, c)
        } catch let e as any AppError {
            return routes.redirect("/console/webhooks", flash: Flash(message: Self.message(e, c.language), isError: true))
        }
    }

    func rotate(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        do {
            let (e, secret) = try await webhooks.rotateSecret(try c.parameters.require("id"), by: s.principal)
            return secretShown(e, secret, c)
        } catch let e as any AppError {
            return routes.redirect("/console/webhooks", flash: Flash(message: Self.message(e, c.language), isError: true))
        }
    }

    /// The secret rides in a short-lived HttpOnly cookie to the next page load, is shown there once and cleared.
    func secretShown(_ e: WebhookEndpoint, _ secret: String, _ c: AppRequestContext) -> Response {
        var response = routes.redirect("/console/webhooks?endpoint=\(e.id)", flash: Flash(message: Self.t("whSecretShownOnce", c.language), isError: false))
        response.setCookie(Cookie(name: Self.secretCookie, value: secret, maxAge: 60, path: "/console/webhooks",
                                  secure: services.config.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func toggle(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        let enable = try await routes.form(r, c)["enabled"] == "true"
        return try await routes.command(c, back: "/console/webhooks?endpoint=\(id)", ok: { lang in
            Self.t(enable ? "whEnabled" : "whDisabled", lang) + " · \(id)"
        }) {
            _ = try await webhooks.update(id, WebhookEndpointInput(enabled: enable), by: s.principal)
        }
    }

    func delete(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        return try await routes.command(c, back: "/console/webhooks", ok: { $0 == .zh ? "已删除端点 \(id)。" : "Deleted endpoint \(id)." }) {
            try await webhooks.delete(id, by: s.principal)
        }
    }

    func ping(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        return try await routes.command(c, back: "/console/webhooks?endpoint=\(id)", ok: {
            $0 == .zh ? "测试事件已排队，稍后刷新查看推送记录。" : "Test event queued; refresh to see the delivery."
        }) {
            _ = try await webhooks.ping(id, by: s.principal)
        }
    }

    func resend(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        let eventId = try await routes.form(r, c)["eventId"]
        return try await routes.command(c, back: "/console/webhooks?endpoint=\(id)", ok: {
            $0 == .zh ? "事件 \(eventId ?? "") 已重新排队推送。" : "Event \(eventId ?? "") queued again."
        }) {
            _ = try await webhooks.resend(id, eventId: eventId, by: s.principal)
        }
    }

    static func message(_ e: any AppError, _ lang: Language) -> String {
        e.fieldErrors.isEmpty ? e.detail(lang) : e.fieldErrors.map { $0.message(lang) }.joined(separator: " ")
    }
}

struct WebhooksPageModel: PageModel {
    static let template = "webhooks"
    struct Row: Sendable {
        let id: String
        let url: String
        let events: String
        let description: String
        let enabled: Bool
        let merchant: String
        let selected: Bool
        let updatedAt: String
        /// Asked before the endpoint is deleted or its secret replaced (issue 12 item 1).
        let confirmDelete: String
        let confirmRotate: String
    }

    struct EventType: Sendable {
        let value: String
    }

    struct Endpoint: Sendable {
        let id: String
        let url: String
    }

    struct Delivery: Sendable {
        let id: String
        let eventId: String
        let eventType: String
        let trigger: String
        let attempt: Int
        let at: String
        let delivered: Bool
        let status: String
        let latency: Int
        let excerpt: String
    }

    let rows: [Row]
    let eventTypes: [EventType]
    /// Whether the form offers a merchant (overrides the chrome's flag of the same name, which gates the Jobs link).
    let isOperatorAdmin: Bool
    let merchantOptions: [Choice]
    /// The selected endpoint and its delivery log.
    var endpoint: Endpoint?
    var deliveries: [Delivery]?
    var nextPage: String?
    /// The next page of endpoints (nil on the last).
    var endpointsNext: String?
    /// A signing secret just created or rotated, shown once.
    var newSecret: String?
}
