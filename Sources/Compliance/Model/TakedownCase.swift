import Foundation
import Kernel

public enum TakedownCaseKind: IDKind { public static let prefix = "tkd" }
public typealias TakedownCaseID = PrefixedID<TakedownCaseKind>

/// A prohibited or infringing finding on a live listing: it must be off sale within 24 h (CMP3, P3 risk a).
public struct TakedownCase: Sendable {
    public static let policy = SLAPolicy.hours(24)

    public enum Trigger: String, Sendable, Codable, CaseIterable {
        /// The catalogue changed and a live listing now matches.
        case rescreen
        /// A rights holder, buyer or officer reported the listing.
        case report
    }

    public enum Status: String, Sendable, Codable, CaseIterable {
        case open
        /// An officer took the listing down.
        case takenDown = "taken-down"
        /// An officer judged the finding a false positive; the listing stays on sale.
        case cleared
        /// Off sale until the merchant edits it.
        case changesRequested = "changes-requested"
        /// Screening opened it and the merchant's new version no longer has the (curable) finding.
        case fixed
    }

    public enum Action: String, Sendable, Codable, CaseIterable {
        case takeDown = "take-down", clear, requestChange = "request-change"
        var status: Status {
            switch self {
            case .takeDown: .takenDown
            case .clear: .cleared
            case .requestChange: .changesRequested
            }
        }
    }

    public let id: TakedownCaseID
    public let listingId: ListingID
    public let merchantId: MerchantID
    public let listingVersion: Int
    public let trigger: Trigger
    public let ruleIds: [String]
    public let findings: [MarketFinding]
    public let openedAt: Date
    public let dueAt: Date
    public var status: Status
    public var resolvedAt: Date?
    public var resolvedBy: String?
    public var resolutionReason: String?
    public var escalatedAt: Date?

    public var sla: SLAClock { SLAClock(startedAt: openedAt, dueAt: dueAt, completedAt: resolvedAt) }

    /// A merchant's edit may close only a case that screening opened, and only for rules an edit can cure: an
    /// infringing brand mention can be removed, prohibited goods stay prohibited however they are described.
    var mayCloseOnMerchantEdit: Bool {
        trigger == .rescreen && findings.allSatisfy { $0.finding.category == .brand }
    }

    /// Whether the case was closed by an officer (the only closures the 24 h KPI counts).
    public var isOfficerDecision: Bool {
        switch status {
        case .takenDown, .cleared, .changesRequested: true
        case .open, .fixed: false
        }
    }

    /// Findings that put a live listing on the 24 h clock: active prohibited-goods and brand (infringement) hits.
    public static func triggering(_ findings: [MarketFinding]) -> [MarketFinding] {
        findings.filter { $0.finding.disposition == .active && ($0.finding.category == .prohibited || $0.finding.category == .brand) }
    }
}
