import Foundation
import Kernel

public enum PenaltyKind: IDKind { public static let prefix = "pen" }
public typealias PenaltyID = PrefixedID<PenaltyKind>

/// What a merchant was penalised for (C 4.2.3a, 4.8.2).
public enum Violation: String, Sendable, Codable, CaseIterable {
    case prohibited
    case infringement
    case restricted
    case adWord = "ad-word"
    case taboo
    case disclosure
    case falseDiscount = "false-discount"
    case other

    public init(_ category: RuleCategory) {
        switch category {
        case .prohibited: self = .prohibited
        case .brand: self = .infringement
        case .restricted: self = .restricted
        case .adWord: self = .adWord
        case .taboo: self = .taboo
        case .disclosure: self = .disclosure
        case .pricing: self = .falseDiscount
        }
    }
}

/// Consequences of accumulated points, mildest first (CMP4).
public enum Sanction: String, Sendable, Codable, CaseIterable, Comparable {
    case warning
    /// Listings ranked lower in search.
    case searchDemotion = "search-demotion"
    case adBan = "ad-ban"
    /// Payouts held: Payments honours this flag.
    case fundFreeze = "fund-freeze"
    /// No new listings; existing ones off sale.
    case storeClosure = "store-closure"

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (l: Sanction, r: Sanction) -> Bool { l.rank < r.rank }

    public var label: LocalizedText {
        switch self {
        case .warning: LocalizedText(en: "Warning", zh: "警告")
        case .searchDemotion: LocalizedText(en: "Search demotion", zh: "搜索降权")
        case .adBan: LocalizedText(en: "Advertising ban", zh: "禁止推广")
        case .fundFreeze: LocalizedText(en: "Fund freeze", zh: "资金冻结")
        case .storeClosure: LocalizedText(en: "Store closure", zh: "关闭店铺")
        }
    }
}

/// Points per violation and the yearly totals at which each sanction applies; operators configure it.
public struct PenaltyPolicy: Sendable, Codable, Equatable {
    public var points: [String: Int]
    public var thresholds: [String: Int]

    public init(points: [Violation: Int], thresholds: [Sanction: Int]) {
        self.points = Dictionary(uniqueKeysWithValues: points.map { ($0.key.rawValue, $0.value) })
        self.thresholds = Dictionary(uniqueKeysWithValues: thresholds.map { ($0.key.rawValue, $0.value) })
    }

    /// Modelled on the 12-point scale marketplaces use for serious violations: 48 points in a year closes a store.
    public static let standard = PenaltyPolicy(
        points: [.prohibited: 12, .infringement: 6, .restricted: 4, .adWord: 2, .taboo: 2, .disclosure: 1, .falseDiscount: 3, .other: 2],
        thresholds: [.warning: 6, .searchDemotion: 12, .adBan: 24, .fundFreeze: 36, .storeClosure: 48])

    public func points(for v: Violation) -> Int { points[v.rawValue] ?? Self.standard.points[v.rawValue] ?? 0 }
    public func threshold(_ s: Sanction) -> Int? { thresholds[s.rawValue] }

    /// Every sanction whose threshold the yearly total has reached.
    public func sanctions(for total: Int) -> [Sanction] {
        Sanction.allCases.filter { s in threshold(s).map { total >= $0 } ?? false }
    }

    /// The next sanction and the points that trigger it.
    public func next(after total: Int) -> (Sanction, Int)? {
        Sanction.allCases.compactMap { s in threshold(s).map { (s, $0) } }.filter { $0.1 > total }.min { $0.1 < $1.1 }
    }

    /// Points 0…100 for known violations; thresholds positive and rising with severity.
    public func validate() throws(ValidationError) {
        var v = Validator()
        for key in points.keys.sorted() {
            if Violation(rawValue: key) == nil { v.fail("points.\(key)", "unknown-violation", en: "Unknown violation \(key).", zh: "未知违规类型 \(key)。") }
            if let p = points[key], !(0...100).contains(p) { v.fail("points.\(key)", "out-of-range", en: "Points must be 0–100.", zh: "分值须在 0–100 之间。") }
        }
        var last = 0
        for s in Sanction.allCases {
            guard let t = thresholds[s.rawValue] else { continue }
            if t <= last { v.fail("thresholds.\(s.rawValue)", "not-rising", en: "Thresholds must rise from warning to store closure.",
                                  zh: "阈值须从警告到关店逐级递增。") }
            last = max(last, t)
        }
        for key in thresholds.keys where Sanction(rawValue: key) == nil {
            v.fail("thresholds.\(key)", "unknown-sanction", en: "Unknown sanction \(key).", zh: "未知处罚措施 \(key)。")
        }
        try v.finish()
    }
}

public struct Penalty: Sendable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case active
        case appealed
        /// Overturned on appeal: no longer counts.
        case revoked
    }

    public enum AppealOutcome: String, Sendable, Codable, CaseIterable { case upheld, reduced, overturned }

    /// Appeals are accepted within this many days of the penalty.
    public static let appealWindowDays = 30

    public let id: PenaltyID
    public let merchantId: MerchantID
    public let year: Int
    public let violation: Violation
    public var points: Int
    public let listingId: ListingID?
    public let caseId: String?
    public let reason: String
    public var status: Status
    public let issuedBy: String
    public let issuedAt: Date
    public var appealReason: String?
    public var appealedAt: Date?
    public var appealOutcome: AppealOutcome?
    public var appealNote: String?
    public var appealDecidedBy: String?
    public var appealDecidedAt: Date?
    /// The person who filed the appeal: neither they nor the issuer may decide it.
    public var appealedBy: String? = nil

    /// Points while under appeal still count: a merchant cannot escape a sanction by appealing.
    public var countedPoints: Int { status == .revoked ? 0 : points }
}

/// A merchant's position for one calendar year.
public struct Standing: Sendable, Equatable {
    public let merchantId: MerchantID
    public let year: Int
    public let points: Int
    public let sanctions: [Sanction]
    public let next: Sanction?
    public let nextAt: Int?

    public init(merchantId: MerchantID, year: Int, penalties: [Penalty], policy: PenaltyPolicy) {
        self.merchantId = merchantId; self.year = year
        points = penalties.filter { $0.year == year }.reduce(0) { $0 + $1.countedPoints }
        sanctions = policy.sanctions(for: points)
        let n = policy.next(after: points)
        next = n?.0; nextAt = n?.1
    }

    public func has(_ s: Sanction) -> Bool { sanctions.contains(s) }
}
