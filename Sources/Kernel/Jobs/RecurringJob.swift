import Foundation

/// A job kind that runs on a fixed period (escalation sweeps now; the daily statement reconciliation later). Every
/// instance keeps the next occurrence enqueued with a dedupe key naming its slot, so however many instances run,
/// each slot runs once.
public struct RecurringJob: Sendable, Equatable {
    public let kind: String
    /// Seconds between runs; slots are aligned to multiples of it since the Unix epoch.
    public let every: TimeInterval
    public let maxAttempts: Int

    public init(kind: String, every: TimeInterval, maxAttempts: Int = 3) {
        precondition(every >= 1, "a recurring job runs at most once a second")
        self.kind = kind; self.every = every; self.maxAttempts = maxAttempts
    }

    /// The first slot strictly after `date`.
    public func nextSlot(after date: Date) -> Date {
        let period = Int64(every * 1000)
        let t = date.epochMillis
        return Date(epochMillis: (t / period + 1) * period)
    }
}

extension JobQueue {
    /// Makes sure the next slot of `recurring` is enqueued (a no-op when it already is, on this or another instance).
    @discardableResult
    public func schedule(_ recurring: RecurringJob) async throws -> JobID? {
        let slot = recurring.nextSlot(after: clock.now())
        return try await db.transaction { [self] sql in
            try await enqueue(kind: recurring.kind, runAt: slot, maxAttempts: recurring.maxAttempts,
                              dedupeKey: "\(recurring.kind)@\(slot.epochMillis)", in: sql)
        }
    }
}
