import Foundation
import Hummingbird
import Kernel
import Parties

/// Kernel's job queue for operator admins (issue 11 item 1): depth and the oldest wait per kind, the jobs themselves
/// by status with their last error, retry and discard (both audited in Kernel). Newest first, cursor paging.
struct JobsPage: ConsolePage {
    let routes: ConsoleRoutes

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("jobs", use: show)
        console.post("jobs/:id/retry", use: retry)
        console.post("jobs/:id/discard", use: discard)
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let q = Query(request: r)
        let status = (try? q.enumValue("status", Job.Status.self)) ?? nil
        let kind = q.string("kind").map { String($0.prefix(100)) }
        let stats = try await services.jobs.stats(by: p)
        let page = try await services.jobs.browse(status: status, kind: kind, limit: 50, after: q.string("after"), by: p)
        var totals: [Job.Status: Int] = [:]
        let kinds = stats.map { k in
            for (st, n) in k.counts { totals[st, default: 0] += n }
            return JobsPageModel.Kind(kind: k.kind, label: Self.kindLabel(k.kind, lang), queued: k.counts[.queued] ?? 0, running: k.counts[.running] ?? 0, failed: k.counts[.failed] ?? 0,
                                      dead: k.counts[.dead] ?? 0, done: k.counts[.done] ?? 0, hasDead: (k.counts[.dead] ?? 0) > 0,
                                      oldest: k.oldestWaitingSeconds.map { Self.age($0, lang) } ?? "—", selected: k.kind == kind)
        }
        let back = "/console/jobs" + (r.uri.query.map { "?" + $0 } ?? "")
        var model = JobsPageModel(
            kinds: kinds,
            statuses: Job.Status.allCases.map {
                .init(value: $0.rawValue, label: Self.t("job" + $0.rawValue.capitalized, lang), count: totals[$0] ?? 0, selected: $0 == status,
                      bad: ($0 == .dead || $0 == .failed) && (totals[$0] ?? 0) > 0)
            },
            rows: page.items.map { j in
                .init(id: j.id.rawValue, kind: j.kind, label: Self.kindLabel(j.kind, lang), status: j.status.rawValue, statusLabel: Self.t("job" + j.status.rawValue.capitalized, lang),
                      attempts: "\(j.attempts)/\(j.maxAttempts)", runAt: routes.date(j.runAt, lang), createdAt: routes.date(j.createdAt, lang),
                      finishedAt: routes.date(j.finishedAt, lang), lockedBy: j.lockedBy ?? "", isLocked: j.lockedBy != nil,
                      lastError: j.lastError ?? "", hasError: j.lastError != nil, payload: String(j.payload.prefix(300)),
                      canRetry: j.status == .dead || j.status == .failed,
                      canDiscard: j.status == .queued || j.status == .failed || (j.status == .dead && j.lastError?.hasPrefix("discarded") != true),
                      back: back)
            },
            count: page.items.count, kind: kind ?? "")
        if let next = page.next {
            var params: [String] = []
            if let status { params.append("status=\(status.rawValue)") }
            if let kind { params.append("kind=\(ConsoleRoutes.urlEncode(kind))") }
            params.append("after=\(ConsoleRoutes.urlEncode(next))")
            model.nextHref = "?" + params.joined(separator: "&")
        }
        return routes.page(model, c, r)
    }

    func retry(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try await act(r, c) { id, p in _ = try await services.jobs.retryNow(id, by: p) } ok: { id, lang in
            lang == .zh ? "任务 \(id) 已重新排队。" : "Job \(id) queued again."
        }
    }

    func discard(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try await act(r, c) { id, p in _ = try await services.jobs.discard(id, by: p) } ok: { id, lang in
            lang == .zh ? "任务 \(id) 已放弃，保留在“失效”列表中。" : "Job \(id) discarded; it stays listed as dead."
        }
    }

    private func act(_ r: Request, _ c: AppRequestContext, _ body: (String, Principal) async throws -> Void,
                     ok: @escaping (String, Language) -> String) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        let f = try await routes.form(r, c)
        let back = f["back"].flatMap(SafeRedirect.localPath).flatMap { $0.hasPrefix("/console/jobs") ? $0 : nil } ?? "/console/jobs"
        return try await routes.command(c, back: back, ok: { ok(id, $0) }) { try await body(id, s.principal) }
    }

    /// "3 min", "2 h 5 min".
    /// A job kind in words (the code stays visible beside it for support).
    static func kindLabel(_ kind: String, _ lang: Language) -> String {
        ConsoleStrings.table["jobKind." + kind]?(lang) ?? kind
    }

    static func age(_ seconds: Int, _ lang: Language) -> String {
        if seconds < 60 { return lang == .zh ? "\(seconds) 秒" : "\(seconds) s" }
        return TakedownsPage.minutes(seconds / 60, lang)
    }
}

struct JobsPageModel: PageModel {
    static let template = "jobs"
    struct Kind: Sendable {
        let kind: String
        let label: String
        let queued: Int
        let running: Int
        let failed: Int
        let dead: Int
        let done: Int
        let hasDead: Bool
        let oldest: String
        let selected: Bool
    }

    struct Status: Sendable {
        let value: String
        let label: String
        let count: Int
        let selected: Bool
        let bad: Bool
    }

    struct Row: Sendable {
        let id: String
        let kind: String
        let label: String
        let status: String
        let statusLabel: String
        let attempts: String
        let runAt: String
        let createdAt: String
        let finishedAt: String
        let lockedBy: String
        let isLocked: Bool
        let lastError: String
        let hasError: Bool
        let payload: String
        let canRetry: Bool
        let canDiscard: Bool
        let back: String
    }

    let kinds: [Kind]
    let statuses: [Status]
    let rows: [Row]
    let count: Int
    let kind: String
    var nextHref: String?
}
