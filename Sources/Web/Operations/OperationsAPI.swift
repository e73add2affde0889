import Foundation
import Hummingbird
import Kernel

/// The platform spine seen by operators (issue 11): background jobs (retry, discard) and every module's SLA clocks.
/// Permission checks live in Kernel's services; this only maps HTTP.
struct OperationsAPI {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("jobs", use: jobs)
        api.get("jobs/stats", use: jobStats)
        api.get("jobs/:id", use: job)
        api.post("jobs/:id/retry", use: retry)
        api.post("jobs/:id/discard", use: discard)
        api.get("deadlines", use: deadlines)
    }

    func jobs(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let q = Query(request: r)
        let page = try await services.jobs.browse(status: try q.enumValue("status", Job.Status.self), kind: q.string("kind"),
                                                  limit: try q.int("limit", in: 1...200) ?? 50, after: q.string("after"), by: p)
        return try JSONIO.response(ListDTO(data: page.items.map(JobDTO.init), next: page.next))
    }

    func jobStats(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let stats = try await services.jobs.stats(by: try c.requirePrincipal())
        return try JSONIO.response(ListDTO(data: stats.map(JobKindStatsDTO.init), next: nil))
    }

    func job(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try JSONIO.response(JobDTO(try await services.jobs.find(try c.parameters.require("id"), by: try c.requirePrincipal())))
    }

    func retry(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: ReasonBody.keys)
        return try JSONIO.response(JobDTO(try await services.jobs.retryNow(try c.parameters.require("id"), by: p)))
    }

    func discard(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: ReasonBody.keys)
        return try JSONIO.response(JobDTO(try await services.jobs.discard(try c.parameters.require("id"), by: p)))
    }

    func deadlines(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let filter = try Self.filter(Query(request: r))
        let page = try await services.deadlines.list(filter, by: p)
        let now = services.clock.now()
        return try JSONIO.response(ListDTO(data: page.items.map { DeadlineDTO($0, now: now) }, next: page.next?.token))
    }

    /// The query string of the API and the console page.
    static func filter(_ q: Query) throws -> DeadlineFilter {
        var after: DeadlineQuery.Cursor?
        if let token = q.string("after") {
            guard let cursor = DeadlineQuery.Cursor(token: token) else {
                throw ValidationError(field: "after", code: "invalid", en: "after is not a cursor from a previous page.",
                                      zh: "after 不是上一页返回的游标。")
            }
            after = cursor
        }
        return DeadlineFilter(module: q.string("module").map { String($0.prefix(50)) }, clockId: q.string("clock").map { String($0.prefix(100)) },
                              owner: try q.enumValue("owner", Role.self), state: try q.enumValue("state", Deadline.State.self),
                              after: after, limit: try q.int("limit", in: 1...200) ?? 50)
    }
}

struct JobDTO: Encodable {
    let id, kind, status: String
    let attempts, maxAttempts: Int
    let runAt, createdAt: String
    @ExplicitNull var lockedBy: String?
    @ExplicitNull var lockedUntil: String?
    @ExplicitNull var lastError: String?
    @ExplicitNull var finishedAt: String?
    let payload: String

    init(_ j: Job) {
        id = j.id.rawValue; kind = j.kind; status = j.status.rawValue; attempts = j.attempts; maxAttempts = j.maxAttempts
        runAt = j.runAt.rfc3339; createdAt = j.createdAt.rfc3339; lockedBy = j.lockedBy; lockedUntil = j.lockedUntil?.rfc3339
        lastError = j.lastError; finishedAt = j.finishedAt?.rfc3339; payload = j.payload
    }
}

struct JobKindStatsDTO: Encodable {
    let kind: String
    let counts: [String: Int]
    @ExplicitNull var oldestWaitingSeconds: Int?

    init(_ s: JobQueue.KindStats) {
        kind = s.kind
        counts = Dictionary(uniqueKeysWithValues: Job.Status.allCases.map { ($0.rawValue, s.counts[$0] ?? 0) })
        oldestWaitingSeconds = s.oldestWaitingSeconds
    }
}

struct DeadlineDTO: Encodable {
    let clock, module, owner, entity, entityId, subject, startedAt, dueAt, state: String
    @ExplicitNull var merchantId: String?
    @ExplicitNull var link: String?
    /// Negative once breached.
    let remainingSeconds: Int

    init(_ d: Deadline, now: Date) {
        clock = d.clock.id; module = d.clock.module; owner = d.clock.owner.rawValue; entity = d.entity; entityId = d.entityId
        subject = d.subject; startedAt = d.startedAt.rfc3339; dueAt = d.dueAt.rfc3339; state = d.state(at: now).rawValue
        merchantId = d.merchantId?.rawValue; link = d.link; remainingSeconds = Int(d.dueAt.timeIntervalSince(now).rounded(.down))
    }
}
