import Foundation

/// How long an obligation may take: wall-clock hours or working days on a calendar (K9).
public enum SLAPolicy: Sendable {
    case hours(Int)
    case days(Int)
    case workingDays(Int, any WorkingDayCalendar)

    public func dueDate(from start: Date) -> Date {
        switch self {
        case .hours(let h): start.addingTimeInterval(Double(h) * 3600)
        case .days(let d): start.addingTimeInterval(Double(d) * 86400)
        case .workingDays(let n, let cal): cal.deadline(workingDays: n, from: start)
        }
    }

    public var label: String {
        switch self {
        case .hours(let h): "\(h)h"
        case .days(let d): "\(d)d"
        case .workingDays(let n, let cal): "\(n) working days (\(cal.identifier))"
        }
    }
}

/// One running obligation with a due time (e.g. takedown within 24 h, refund within 7 working days).
public struct SLAClock: Sendable, Hashable, Codable {
    public let startedAt: Date
    public let dueAt: Date
    public var completedAt: Date?

    public init(startedAt: Date, policy: SLAPolicy) {
        self.startedAt = startedAt
        self.dueAt = policy.dueDate(from: startedAt)
    }

    public init(startedAt: Date, dueAt: Date, completedAt: Date? = nil) {
        self.startedAt = startedAt; self.dueAt = dueAt; self.completedAt = completedAt
    }

    public enum State: String, Sendable, Codable {
        /// Open and more than the warning window away from due.
        case running
        /// Open and within the warning window (default: last 20% of the allowance).
        case dueSoon = "due-soon"
        /// Open and past due: escalate.
        case breached
        case met
        case metLate = "met-late"
    }

    public func state(at now: Date, warningFraction: Double = 0.2) -> State {
        if let done = completedAt { return done <= dueAt ? .met : .metLate }
        if now >= dueAt { return .breached }
        let allowance = dueAt.timeIntervalSince(startedAt)
        return dueAt.timeIntervalSince(now) <= allowance * warningFraction ? .dueSoon : .running
    }

    /// Seconds left (negative when overdue), for console countdowns.
    public func remaining(at now: Date) -> TimeInterval { dueAt.timeIntervalSince(completedAt ?? now) }
}
