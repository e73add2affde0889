import Foundation
import SQLKit

/// What the Deadlines page and `GET /api/v1/deadlines` ask for.
public struct DeadlineFilter: Sendable, Equatable {
    public var module: String?
    public var clockId: String?
    public var owner: Role?
    public var state: Deadline.State?
    public var after: DeadlineQuery.Cursor?
    public var limit: Int

    public init(module: String? = nil, clockId: String? = nil, owner: Role? = nil, state: Deadline.State? = nil,
                after: DeadlineQuery.Cursor? = nil, limit: Int = 50) {
        self.module = module; self.clockId = clockId; self.owner = owner; self.state = state; self.after = after
        self.limit = min(max(limit, 1), 500)
    }
}

public struct DeadlinePage: Sendable {
    public let items: [Deadline]
    /// Where the next page starts; nil on the last page.
    public let next: DeadlineQuery.Cursor?
}

extension DeadlineScanner {
    /// Every open clock of every module the caller may see (a merchant: its own records), most urgent first, one page.
    /// Each source pages in SQL; the pages are merged by (due time, record id).
    public func list(_ f: DeadlineFilter, by p: Principal) async throws -> DeadlinePage {
        let now = clock.now()
        return try await db.read { sql in
            var merged: [Deadline] = []
            for source in sources {
                for c in source.clocks where (f.module == nil || c.module == f.module) && (f.clockId == nil || c.id == f.clockId)
                    && (f.owner == nil || c.owner == f.owner) {
                    var q = DeadlineQuery(scope: p.scope, clockId: c.id, after: f.after, limit: f.limit + 1)
                    switch f.state {
                    case nil: break
                    case .breached?: q.dueBefore = now
                    case .dueSoon?: q.dueAfter = now; q.dueBefore = now.addingTimeInterval(c.warnBefore)
                    case .running?: q.dueAfter = now.addingTimeInterval(c.warnBefore)
                    }
                    merged += try await source.open(q, in: sql)
                }
            }
            merged.sort { $0.cursor < $1.cursor }
            let page = Array(merged.prefix(f.limit))
            return DeadlinePage(items: page, next: merged.count > f.limit ? page.last?.cursor : nil)
        }
    }

    /// Open clocks per clock and state, across all tenants (for `/metrics` and the dashboard).
    public func counts() async throws -> [String: [Deadline.State: Int]] {
        let now = clock.now()
        return try await db.read { sql in
            var out: [String: [Deadline.State: Int]] = [:]
            for source in sources {
                for c in source.clocks {
                    var cursor: DeadlineQuery.Cursor?
                    var counts: [Deadline.State: Int] = [.running: 0, .dueSoon: 0, .breached: 0]
                    while true {
                        let page = try await source.open(DeadlineQuery(scope: .operatorWide, clockId: c.id, after: cursor, limit: 2_000), in: sql)
                        for d in page { counts[d.state(at: now), default: 0] += 1 }
                        guard page.count == 2_000, let last = page.last else { break }
                        cursor = last.cursor
                    }
                    out[c.id] = counts
                }
            }
            return out
        }
    }
}

extension DeadlineQuery.Cursor {
    /// `<due time in ms>.<record id>`, opaque to API clients.
    public var token: String { "\(dueAt.epochMillis).\(entityId)" }

    public init?(token: String) {
        let parts = token.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let ms = Int64(parts[0]), !parts[1].isEmpty, parts[1].count <= 100 else { return nil }
        self.init(dueAt: Date(epochMillis: ms), entityId: String(parts[1]))
    }
}
