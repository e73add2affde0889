import Foundation
import Kernel
import SQLKit

/// Too many failed log-ins for this account or client address: try again after `retryAfter` seconds (K3).
public struct LoginThrottled: AppError, Equatable {
    public let retryAfter: Int
    public init(retryAfter: Int) { self.retryAfter = retryAfter }
    public var code: String { "login-throttled" }
    public var kind: ErrorKind { .tooManyRequests }
    public var title: LocalizedText { LocalizedText(en: "Too many failed log-ins", zh: "登录失败次数过多") }
    public var detail: LocalizedText {
        let minutes = max(1, (retryAfter + 59) / 60)
        return LocalizedText(en: "Too many failed log-ins for this account or network. Try again in \(minutes) minute\(minutes == 1 ? "" : "s").",
                             zh: "该账户或网络的登录失败次数过多，请 \(minutes) 分钟后再试。")
    }
}

/// Login throttling per account and per client address, kept in the database so every instance
/// sees the same counts (K3). Keys are SHA-256 digests: the table holds no e-mail or address.
/// A success clears the account's count; the address's count is left to expire, so a caller cannot
/// reset it by logging in to an account of their own between guesses.
struct LoginGuard: Sendable {
    let ctx: PartiesContext
    let store = LoginThrottleStore()

    static func accountKey(_ email: String) -> String {
        "acct:" + Digest.sha256Hex(email.trimmingCharacters(in: .whitespaces).lowercased())
    }
    static func addressKey(_ address: String) -> String { "addr:" + Digest.sha256Hex(address) }

    func keys(email: String, address: String?) -> [(String, LoginThrottlePolicy)] {
        [(Self.accountKey(email), ctx.settings.accountThrottle)]
            + (address.map { [(Self.addressKey($0), ctx.settings.addressThrottle)] } ?? [])
    }

    /// Throws `LoginThrottled` when the account or the address is blocked now.
    func check(email: String, address: String?) async throws {
        let keys = keys(email: email, address: address)
        let now = ctx.clock.now().epochMillis
        let states = try await ctx.db.read { [store] in try await store.find(keys.map(\.0), in: $0) }
        let waits = keys.compactMap { key, policy in policy.retryAfter(states[key], nowMillis: now) }
        if let wait = waits.max() { throw LoginThrottled(retryAfter: wait) }
    }

    func recordFailure(email: String, address: String?) async throws {
        let keys = keys(email: email, address: address)
        let now = ctx.clock.now().epochMillis
        try await ctx.db.transaction { [store] sql in
            for (key, policy) in keys {
                let state = try await store.lock(key, now: now, in: sql)
                try await store.save(key, policy.afterFailure(state, nowMillis: now), in: sql)
            }
        }
    }

    /// Rows whose failures are forgotten and whose block is over.
    func purge() async throws {
        let now = ctx.clock.now().epochMillis
        let window = Int64(max(ctx.settings.accountThrottle.window, ctx.settings.addressThrottle.window) * 1000)
        try await ctx.db.transaction { [store] sql in try await store.purge(lastFailureBefore: now - window, now: now, in: sql) }
    }

    func recordSuccess(email: String) async throws {
        try await ctx.db.transaction { [store] sql in try await store.clear(Self.accountKey(email), in: sql) }
    }
}
