import Foundation
import Kernel

/// A law or rule behind catalogue entries (CMP6): when it changes, the catalogue must follow within 10 working days.
public struct Regulation: Sendable, Equatable {
    public let id: String
    public let country: String
    public let market: Market
    public let title: String
    public let authority: String
    public let url: String
    public let changedOn: LocalDate
    public let summary: String
    public let ruleIds: [String]
    /// `changedOn` plus 10 working days on the Chinese calendar.
    public let dueOn: LocalDate
    public var catalogueUpdatedOn: LocalDate?
    public var changeId: String?
    /// Working days from the change to the catalogue update; nil for the bundled baseline (it predates Tradelane).
    public var lagWorkingDays: Int?
    public let recordedBy: String
    public let recordedAt: Date

    public static let slaWorkingDays = 10

    public enum State: String, Sendable, Codable, CaseIterable {
        /// Implemented by the bundled catalogue before the lag was measured.
        case baseline
        /// Catalogue update pending, still within the 10 working days.
        case pending
        /// Catalogue update pending past its due date.
        case overdue
        case met
        case late
    }

    public func state(today: LocalDate) -> State {
        if catalogueUpdatedOn != nil {
            guard let lag = lagWorkingDays else { return .baseline }
            return lag <= Self.slaWorkingDays ? .met : .late
        }
        return today > dueOn ? .overdue : .pending
    }
}

/// Political and sanctions risk of a destination country with the operator's response measures (CMP9).
public struct CountryRisk: Sendable, Equatable {
    public enum Level: String, Sendable, Codable, CaseIterable, Comparable {
        case low, moderate, elevated, high, severe
        var rank: Int { Self.allCases.firstIndex(of: self)! }
        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
        public var label: LocalizedText {
            switch self {
            case .low: LocalizedText(en: "Low", zh: "低")
            case .moderate: LocalizedText(en: "Moderate", zh: "中")
            case .elevated: LocalizedText(en: "Elevated", zh: "较高")
            case .high: LocalizedText(en: "High", zh: "高")
            case .severe: LocalizedText(en: "Severe", zh: "极高")
            }
        }
    }

    public let country: String
    public let nameEn: String
    public let nameZh: String
    public var level: Level
    public var assessedOn: LocalDate
    public var basis: String
    public var measuresEn: String
    public var measuresZh: String
    public var updatedBy: String
    public var updatedAt: Date
}
