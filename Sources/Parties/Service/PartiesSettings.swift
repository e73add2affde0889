import Foundation
import Kernel

public struct PartiesSettings: Sendable {
    /// Public notice before a store closes (C 5.1); configurable, default 30 days.
    public var exitNoticeDays: Int = 30
    /// Warn this many days before a business licence expires.
    public var licenceWarningDays: Int = 30
    /// bcrypt cost; 12 in production, lower only in tests.
    public var bcryptCost: UInt8 = 12
    public var sessionLifetime: TimeInterval = 12 * 3600
    /// A console session unused this long ends, within its absolute lifetime (K3).
    public var sessionIdleTimeout: TimeInterval = 30 * 60
    /// Failed log-ins per account and per client address before a block (K3).
    public var accountThrottle = LoginThrottlePolicy.account
    public var addressThrottle = LoginThrottlePolicy.clientAddress
    /// Operator roles must sign in with a second factor (production mode; issue 12 item 11).
    public var requireOperatorTwoFactor = false
    /// How long the second step of a log-in may wait after the password, and how many codes it may try.
    public var loginChallengeLifetime: TimeInterval = 5 * 60
    public var loginChallengeAttempts = 5
    public var maxDocumentBytes: Int = 2 * 1024 * 1024
    public var maxDocumentsPerSubmission: Int = 20
    public init() {}
}

/// Shared plumbing for the Parties services.
public struct PartiesContext: Sendable {
    public let db: Database
    public let clock: any WallClock
    public let cipher: FieldCipher
    public let settings: PartiesSettings
    public let audit: AuditLog
    public let exitBlockers: [any ExitBlocker]
    /// bcrypt at the configured cost; its dummy hash for unknown e-mails is made here, once at start.
    public let passwords: PasswordHasher
    /// Invitations are announced through it (nil: the link is only shown to the inviting admin).
    public let notifier: (any Notifier)?

    public init(db: Database, clock: any WallClock, cipher: FieldCipher, settings: PartiesSettings = .init(),
                exitBlockers: [any ExitBlocker] = [], notifier: (any Notifier)? = nil) {
        self.db = db; self.clock = clock; self.cipher = cipher; self.settings = settings; self.notifier = notifier
        self.audit = AuditLog(clock: clock); self.exitBlockers = exitBlockers
        self.passwords = PasswordHasher(cost: settings.bcryptCost)
    }

    var today: LocalDate { LocalDate(clock.now(), in: ChineseWorkingDayCalendar.official.timeZone) }
}

public enum Limits {
    public static func pageSize(_ requested: Int?) -> Int { min(max(requested ?? 50, 1), 200) }
}
