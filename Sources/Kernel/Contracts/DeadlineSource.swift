import Foundation
import SQLKit

/// One kind of SLA clock a module runs (K9; issue 11 item 2): the 24 h takedown, the 6 h tracking chase, the
/// 15-day complaint, the 7-working-day refund… Described once, so the console can explain it and the scanner knows
/// when to warn.
public struct DeadlineClock: Sendable, Equatable {
    /// `compliance.takedown-24h`: module, dot, clock.
    public let id: String
    public let module: String
    public let label: LocalizedText
    /// The rule and where it comes from, e.g. "24 h, CMP3 (T/CATIS 030 §4.3)".
    public let rule: LocalizedText
    /// The role that must act before the clock runs out.
    public let owner: Role
    /// Natural hours, or working days on a named calendar.
    public let calendar: String
    /// How long before the due time it counts as due soon (and is announced once).
    public let warnBefore: TimeInterval

    public init(id: String, module: String, label: LocalizedText, rule: LocalizedText, owner: Role, calendar: String = "natural",
                warnBefore: TimeInterval) {
        self.id = id; self.module = module; self.label = label; self.rule = rule; self.owner = owner
        self.calendar = calendar; self.warnBefore = warnBefore
    }
}

/// One running clock: a record that must be handled by `dueAt`.
public struct Deadline: Sendable, Equatable {
    public let clock: DeadlineClock
    /// The record it runs on (`takedown-case`, `tkd_…`).
    public let entity: String
    public let entityId: String
    /// The merchant whose record it is (tenant wall: a merchant sees its own clocks only).
    public let merchantId: MerchantID?
    /// What a person recognises, e.g. the listing's title.
    public let subject: String
    public let startedAt: Date
    public let dueAt: Date
    /// Where the record is handled in the console.
    public let link: String?

    public init(clock: DeadlineClock, entity: String, entityId: String, merchantId: MerchantID?, subject: String, startedAt: Date,
                dueAt: Date, link: String?) {
        self.clock = clock; self.entity = entity; self.entityId = entityId; self.merchantId = merchantId; self.subject = subject
        self.startedAt = startedAt; self.dueAt = dueAt; self.link = link
    }

    public enum State: String, Sendable, Codable, CaseIterable {
        case running
        case dueSoon = "due-soon"
        case breached
    }

    public func state(at now: Date) -> State {
        if now >= dueAt { return .breached }
        return dueAt.timeIntervalSince(now) <= clock.warnBefore ? .dueSoon : .running
    }

    /// Names this run of the clock: a record whose clock restarts gets a new key, so it is escalated again.
    public var key: String { "\(clock.id):\(entityId):\(dueAt.epochMillis)" }
}

/// Which open clocks to read: always in one tenant scope, most urgent first (due time, then record id), one page.
public struct DeadlineQuery: Sendable, Equatable {
    public var scope: TenantScope
    /// One clock of the source (nil: all of them).
    public var clockId: String?
    /// Due strictly after this time.
    public var dueAfter: Date?
    /// Due at or before this time.
    public var dueBefore: Date?
    /// The page starts after this (due time, record id).
    public var after: Cursor?
    public var limit: Int

    public struct Cursor: Sendable, Equatable, Comparable {
        public let dueAt: Date
        public let entityId: String
        public init(dueAt: Date, entityId: String) { self.dueAt = dueAt; self.entityId = entityId }
        public static func < (l: Cursor, r: Cursor) -> Bool { (l.dueAt, l.entityId) < (r.dueAt, r.entityId) }
    }

    public init(scope: TenantScope, clockId: String? = nil, dueAfter: Date? = nil, dueBefore: Date? = nil, after: Cursor? = nil, limit: Int) {
        self.scope = scope; self.clockId = clockId; self.dueAfter = dueAfter; self.dueBefore = dueBefore; self.after = after
        self.limit = max(1, limit)
    }
}

extension Deadline {
    public var cursor: DeadlineQuery.Cursor { .init(dueAt: dueAt, entityId: entityId) }
}

/// Implemented by every module that runs SLA clocks, registered at start-up; Kernel's `DeadlineScanner` reads them
/// all, escalates each breach once and feeds the console's Deadlines page and `/metrics`.
public protocol DeadlineSource: Sendable {
    var clocks: [DeadlineClock] { get }
    /// The open clocks `query` selects, ordered by (due time, record id), at most `query.limit`. Runs in SQL (an index on
    /// the due time), never by filtering a capped list in memory.
    func open(_ query: DeadlineQuery, in sql: any SQLDatabase) async throws -> [Deadline]
    /// The module's own consequence of a breach (e.g. mark the case escalated), in the scanner's transaction; called
    /// once per breach.
    func breached(_ deadline: Deadline, at: Date, in sql: any SQLDatabase) async throws
}
