import Foundation
import HummingbirdOTP
import Kernel

/// TOTP two-factor sign-in rules (RFC 6238 through hummingbird-auth's `HummingbirdOTP`; issue 12 item 11, K3).
/// Pure functions over values: no clock, no database.
public enum TwoFactorRules {
    /// Seconds per code (what every authenticator app uses by default).
    public static let timeStep: TimeInterval = 30
    public static let issuer = "Tradelane"
    public static let recoveryCodeCount = 10

    /// A new shared secret. `TOTP` keys its HMAC with the secret's UTF-8 bytes, so the secret is 20 printable ASCII
    /// characters (20 key bytes, the length of the SHA-1 output RFC 4226 asks for; 120 random bits).
    public static func newSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var rng = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    }

    /// The `otpauth://totp/…` URI an authenticator app reads (as a link or typed in).
    public static func uri(secret: String, account: String) -> String {
        TOTP(secret: secret).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }

    /// The secret as base32 (what an app asks for when typed by hand), taken from the URI the library builds.
    public static func base32(secret: String) -> String {
        let url = uri(secret: secret, account: "x")
        guard let r = url.range(of: "secret=") else { return "" }
        return String(url[r.upperBound...].prefix { $0 != "&" })
    }

    /// Base32 in groups of four for typing: `ABCD EFGH …`.
    public static func grouped(_ text: String, by size: Int = 4) -> String {
        stride(from: 0, to: text.count, by: size).map { i in
            let start = text.index(text.startIndex, offsetBy: i)
            return String(text[start..<(text.index(start, offsetBy: size, limitedBy: text.endIndex) ?? text.endIndex)])
        }.joined(separator: " ")
    }

    /// The time step a moment falls in.
    public static func step(at date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / timeStep).rounded(.down)) }

    /// The code for one time step (tests and the enrolment check use it).
    public static func code(secret: String, step: Int64) -> String {
        let value = String(TOTP(secret: secret).compute(date: Date(timeIntervalSince1970: Double(step) * timeStep)))
        return String(repeating: "0", count: max(0, 6 - value.count)) + value
    }

    /// What a typed code is: six digits (spaces allowed) for the app, anything else a recovery code.
    public enum Entry: Equatable, Sendable {
        case totp(String)
        case recovery(String)
        case malformed
    }

    public static func classify(_ typed: String) -> Entry {
        let compact = typed.filter { !$0.isWhitespace && $0 != "-" }
        if compact.count == 6, compact.allSatisfy({ $0.isASCII && $0.isNumber }) { return .totp(compact) }
        let lower = compact.lowercased()
        if lower.count == 10, lower.allSatisfy({ recoveryAlphabet.contains($0) }) { return .recovery(lower) }
        return .malformed
    }

    public enum Verdict: Equatable, Sendable {
        /// Valid for this step, which must now be remembered as used.
        case accepted(step: Int64)
        /// Right code, but of a step this user has already signed in with (or an earlier one): a replay.
        case replayed
        case wrong
    }

    /// Accepts the code of the current step and of one step either side (clock drift), never a step at or before
    /// `lastUsedStep`, so a code seen over a shoulder or in a log cannot be used a second time.
    public static func verify(_ code: String, secret: String, at now: Date, lastUsedStep: Int64?) -> Verdict {
        let current = step(at: now)
        var replayed = false
        for s in [current - 1, current, current + 1] where ConstantTimeText.equal(code, Self.code(secret: secret, step: s)) {
            if let last = lastUsedStep, s <= last { replayed = true; continue }
            return .accepted(step: s)
        }
        return replayed ? .replayed : .wrong
    }

    // MARK: recovery codes

    static let recoveryAlphabet = Set("0123456789abcdefghjkmnpqrstvwxyz")

    /// Ten single-use codes, `xxxxx-xxxxx` (50 random bits each), shown once.
    public static func newRecoveryCodes() -> [String] {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        var rng = SystemRandomNumberGenerator()
        return (0..<recoveryCodeCount).map { _ in
            let raw = String((0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
            return String(raw.prefix(5)) + "-" + String(raw.suffix(5))
        }
    }

    /// Whether two-factor sign-in is mandatory for this role: operator roles in production mode.
    public static func required(for role: Role, requireForOperators: Bool) -> Bool { requireForOperators && role.isOperator }
}

/// Comparison that does not stop at the first differing character.
enum ConstantTimeText {
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// A user's two-factor state as the Account page shows it.
public struct TwoFactorStatus: Sendable, Equatable {
    public var enabled: Bool
    public var enabledAt: Date?
    /// Enrolment started but not yet confirmed with a first code.
    public var pending: Bool
    public var recoveryCodesLeft: Int
    /// Required for this user (operator role, production mode).
    public var required: Bool
}

/// An enrolment in progress: what the person types into or scans with their app.
public struct TwoFactorEnrolment: Sendable, Equatable {
    public let uri: String
    /// Base32, grouped in fours for typing.
    public let secretGrouped: String
}

/// A user with two-factor sign-in on (the operator admin's reset list).
public struct TwoFactorHolder: Sendable, Equatable {
    public let user: User
    public let enabledAt: Date
}

/// A console session as its owner sees it on the Account page.
public struct SessionInfo: Sendable, Equatable {
    public let id: SessionID
    public let createdAt: Date
    public let lastSeenAt: Date
    public let clientAddress: String?
    public let userAgent: String?
}
