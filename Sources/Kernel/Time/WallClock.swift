import Foundation
import Synchronization

/// The injectable source of "now". Named `WallClock` to stay clear of Swift's `Clock`.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemClock: WallClock {
    public init() {}
    /// Truncated to milliseconds, the storage precision, so a value read back equals the one returned.
    public func now() -> Date { Date(epochMillis: Date().epochMillis) }
}

/// A clock tests can set and advance.
public final class FixedClock: WallClock {
    private let current: Mutex<Date>
    public init(_ date: Date) { current = Mutex(date) }
    public func now() -> Date { current.withLock { $0 } }
    public func set(_ date: Date) { current.withLock { $0 = date } }
    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

extension Date {
    /// UTC instant as Int64 milliseconds, the storage form on both engines.
    public var epochMillis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
    public init(epochMillis: Int64) { self.init(timeIntervalSince1970: Double(epochMillis) / 1000) }

    /// RFC 3339 with milliseconds, UTC.
    public var rfc3339: String { Date.rfc3339Format.format(self) }
    static let rfc3339Format = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
}
