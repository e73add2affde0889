import Foundation

/// What operators see of the queue (console "Jobs" page, `GET /api/v1/jobs`): platform internals, payloads included,
/// so operator admins only.
extension JobQueue {
    public static func mayOperate(_ p: Principal) -> Bool { p.can(.jobsOperate) }

    /// Newest first, one page (`after`: the last id of the previous page).
    public func browse(status: Job.Status?, kind: String?, limit: Int, after: String?, by p: Principal) async throws -> Page<Job> {
        try p.require(.jobsOperate)
        var v = Validator()
        if let kind, kind.count > 100 { v.fail("kind", "too-long", en: "kind is at most 100 characters.", zh: "kind 最多 100 个字符。") }
        if let after, after.count > 100 { v.fail("after", "invalid", en: "after is not a job id.", zh: "after 不是有效的任务 ID。") }
        try v.finish()
        let n = min(max(limit, 1), 200)
        let items = try await list(status: status, kind: kind, limit: n + 1, after: after)
        return Page.of(items, limit: n) { $0.id.rawValue }
    }

    public func find(_ id: String, by p: Principal) async throws -> Job {
        try p.require(.jobsOperate)
        guard let job = try await get(id) else { throw CommonError.notFound(entity: "job", id: id) }
        return job
    }

    public func stats(by p: Principal) async throws -> [KindStats] {
        try p.require(.jobsOperate)
        return try await stats()
    }
}
