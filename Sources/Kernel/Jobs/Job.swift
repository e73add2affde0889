import Foundation

public enum JobKind: IDKind { public static let prefix = "job" }
public typealias JobID = PrefixedID<JobKind>

/// One unit of background work in the `jobs` table (DESIGN "Workers, events, integrations"; issue 11).
/// Enqueued in the same transaction as the state change that causes it, so a rolled-back change leaves no job and a
/// committed one never loses it; delivered at least once to the handler registered for its `kind`.
public struct Job: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Waiting for `runAt`.
        case queued
        /// Claimed by a worker until `lockedUntil`; a lease that runs out (a killed worker) is claimed again.
        case running
        /// The last attempt threw; waiting for its retry at `runAt` (exponential backoff with jitter).
        case failed
        case done
        /// Out of attempts (or discarded by an operator): kept with its last error until someone retries it.
        case dead
    }

    public let id: JobID
    public let kind: String
    /// JSON the handler understands; never secrets (they would sit in the table for the job's life).
    public let payload: String
    public var status: Status
    /// Attempts started so far, this one included while running.
    public var attempts: Int
    public let maxAttempts: Int
    public var runAt: Date
    public var lockedBy: String?
    public var lockedUntil: Date?
    public var lastError: String?
    /// At most one job per key (a recurring job's next run, an event's delivery): enqueueing it again is a no-op.
    public let dedupeKey: String?
    public let createdAt: Date
    public var finishedAt: Date?

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(payload.utf8))
    }
}

/// How long to wait before the next attempt: exponential from `base`, capped, plus up to `jitter` of it at random so
/// that jobs failing together (an endpoint down) do not all come back at the same instant.
public struct RetryPolicy: Sendable, Equatable {
    public var base: TimeInterval
    public var cap: TimeInterval
    /// Share of the delay added at random, 0…1.
    public var jitter: Double

    public static let standard = RetryPolicy(base: 5, cap: 3600, jitter: 0.25)

    public init(base: TimeInterval, cap: TimeInterval, jitter: Double) {
        self.base = base; self.cap = cap; self.jitter = jitter
    }

    /// The delay after failed attempt number `attempt` (1-based).
    public func delay(afterAttempt attempt: Int, using rng: inout some RandomNumberGenerator) -> TimeInterval {
        let exponent = Double(max(0, min(attempt - 1, 30)))
        let raw = min(cap, base * pow(2, exponent))
        return raw + raw * jitter * Double.random(in: 0...1, using: &rng)
    }
}
