import Foundation
import Kernel

public enum RescreenJobKind: IDKind { public static let prefix = "rsj" }
public typealias RescreenJobID = PrefixedID<RescreenJobKind>

/// Re-screening every live listing of a market after its catalogue changed (CMP1, CMP2).
public struct RescreenJob: Sendable {
    public enum Status: String, Sendable, Codable, CaseIterable { case queued, running, done, failed }

    public let id: RescreenJobID
    public let market: Market
    public let catalogueVersion: String
    public let reason: String
    public var status: Status
    public var total: Int
    public var processed: Int
    /// Listings whose findings changed.
    public var changed: Int
    public var casesOpened: Int
    /// Last listing id processed: a restarted job resumes after it.
    public var cursor: String
    public var error: String?
    public let createdAt: Date
    public var startedAt: Date?
    public var heartbeatAt: Date?
    public var finishedAt: Date?

    /// 0…1, for the console's progress bar.
    public var progress: Double {
        if status == .done { return 1 }
        return total == 0 ? 0 : min(1, Double(processed) / Double(total))
    }

    public var percent: Int { Int((progress * 100).rounded(.down)) }
}
