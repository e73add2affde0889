import Foundation

/// Failed log-ins counted against one key (an account or a client address) (K3).
public struct ThrottleState: Sendable, Equatable {
    public var failures: Int
    public var lastFailureAt: Int64
    public var blockedUntil: Int64?
    public init(failures: Int, lastFailureAt: Int64, blockedUntil: Int64?) {
        self.failures = failures; self.lastFailureAt = lastFailureAt; self.blockedUntil = blockedUntil
    }
}

/// How many failures a key may have before it is blocked, and for how long: the first `freeFailures`
/// cost nothing, each further one blocks the key for `baseBlock` doubled per extra failure up to `maxBlock`.
/// Failures are forgotten after `window` without a new one. Pure rules, no I/O.
public struct LoginThrottlePolicy: Sendable, Equatable {
    public var freeFailures: Int
    public var baseBlock: TimeInterval
    public var maxBlock: TimeInterval
    public var window: TimeInterval

    public init(freeFailures: Int, baseBlock: TimeInterval = 60, maxBlock: TimeInterval = 3600, window: TimeInterval = 3600) {
        self.freeFailures = freeFailures; self.baseBlock = baseBlock; self.maxBlock = maxBlock; self.window = window
    }

    /// Per account: 5 free failures, then 1 min, 2 min, 4 min … up to 1 h.
    public static let account = LoginThrottlePolicy(freeFailures: 5)
    /// Per client address (many people may share one NAT): 20 free failures.
    public static let clientAddress = LoginThrottlePolicy(freeFailures: 20)

    /// Whole seconds until the key may try again; nil when it is not blocked.
    public func retryAfter(_ state: ThrottleState?, nowMillis: Int64) -> Int? {
        guard let until = state?.blockedUntil, until > nowMillis else { return nil }
        return Int((until - nowMillis + 999) / 1000)
    }

    /// The state after one more failure at `nowMillis`.
    public func afterFailure(_ state: ThrottleState?, nowMillis: Int64) -> ThrottleState {
        let forgotten = state.map { nowMillis - $0.lastFailureAt > Int64(window * 1000) && retryAfter($0, nowMillis: nowMillis) == nil } ?? true
        let failures = forgotten ? 1 : state!.failures + 1
        var blockedUntil: Int64?
        if failures >= freeFailures {
            let doublings = min(failures - freeFailures, 30)
            let seconds = min(baseBlock * pow(2, Double(doublings)), maxBlock)
            blockedUntil = nowMillis + Int64(seconds * 1000)
        }
        return ThrottleState(failures: failures, lastFailureAt: nowMillis, blockedUntil: blockedUntil)
    }
}
