import Foundation

/// The size of a work queue and the age of its oldest item, for the day's-work dashboard (issue 12 item 10).
public struct QueueStat: Sendable, Equatable {
    public let count: Int
    /// When the oldest waiting item entered the queue; nil for an empty queue.
    public let oldest: Date?
    public init(count: Int, oldest: Date?) { self.count = count; self.oldest = oldest }
}

/// Day buckets on the Chinese calendar (Asia/Shanghai, UTC+8 all year, no daylight saving) computed in SQL by
/// integer division, the same on SQLite and PostgreSQL, so a chart's count and the filtered list it links to agree.
public enum ChinaDay {
    public static let offsetMillis: Int64 = 8 * 3600 * 1000
    public static let dayMillis: Int64 = 86_400_000

    /// The day number (days since 1970-01-01 in UTC+8) of an instant.
    public static func number(_ d: Date) -> Int64 {
        let ms = d.epochMillis + offsetMillis
        return ms >= 0 ? ms / dayMillis : (ms - dayMillis + 1) / dayMillis
    }

    /// The first instant of day number `n`.
    public static func start(_ n: Int64) -> Date { Date(epochMillis: n * dayMillis - offsetMillis) }
}
