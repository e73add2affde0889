import Foundation
import Kernel

/// A merchant tenant's lifecycle (K2, C 5.1): onboarding until KYC approval, active, then an
/// exit with a public notice period before the store closes.
public enum MerchantStatus: String, Sendable, Codable, CaseIterable {
    case onboarding, active, exiting, closed

    static let transitions: [MerchantStatus: Set<MerchantStatus>] = [
        .onboarding: [.active, .exiting],
        .active: [.exiting],
        .exiting: [.active, .onboarding, .closed],
        .closed: [],
    ]

    public func canMove(to next: MerchantStatus) -> Bool { Self.transitions[self]?.contains(next) ?? false }

    public var label: LocalizedText {
        switch self {
        case .onboarding: LocalizedText(en: "Onboarding", zh: "入驻审核中")
        case .active: LocalizedText(en: "Active", zh: "正常经营")
        case .exiting: LocalizedText(en: "Exit notice", zh: "退出公示中")
        case .closed: LocalizedText(en: "Closed", zh: "已关闭")
        }
    }
}

/// How close a merchant's business licence is to expiry (warning 30 days ahead).
public enum LicenceState: String, Sendable, Codable {
    case valid
    case expiringSoon = "expiring-soon"
    case expired

    public static func of(expiresOn: LocalDate, today: LocalDate, warningDays: Int) -> LicenceState {
        if expiresOn < today { return .expired }
        return expiresOn.dayNumber - today.dayNumber <= warningDays ? .expiringSoon : .valid
    }
}

public struct Merchant: Sendable, Equatable {
    public let id: MerchantID
    public var name: String
    public var legalName: String?
    public var country: String
    public var contactEmail: String
    /// ISO 4217 currency the merchant is settled in (K8).
    public var settlementCurrency: String
    public var status: MerchantStatus
    public var kycStatus: KYCStatus?
    public var licenceExpiresOn: LocalDate?
    public var exitReason: String?
    public var noticeStartedAt: Date?
    public var noticeEndsAt: Date?
    /// The status to return to if the exit is withdrawn.
    public var statusBeforeExit: MerchantStatus?
    public var closedAt: Date?
    public let createdAt: Date
    public var updatedAt: Date

    public func licenceState(today: LocalDate, warningDays: Int) -> LicenceState? {
        licenceExpiresOn.map { LicenceState.of(expiresOn: $0, today: today, warningDays: warningDays) }
    }
}
