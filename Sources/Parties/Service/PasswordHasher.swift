import Foundation
import HummingbirdBcrypt
import Kernel
import NIOPosix

/// bcrypt off the event loop, with one cost for every hash (K3).
///
/// - Unknown e-mails are checked against a dummy hash made once at start with the *same* cost as real
///   hashes, so a failed log-in takes as long whether or not the account exists.
/// - bcrypt reads only the first 72 bytes of a password. Passwords longer than 72 UTF-8 bytes are refused
///   when set (422 naming `password`), and a longer password never authenticates, so a different tail
///   after byte 72 (24 CJK characters) cannot log in to an account created before the limit existed.
public struct PasswordHasher: Sendable {
    public static let maxBytes = 72
    public static let minCharacters = 10
    public let cost: UInt8
    public let dummyHash: String

    public init(cost: UInt8) {
        self.cost = cost
        dummyHash = Bcrypt.hash(RandomToken.make(), cost: cost)
    }

    /// Validates a new password: 10 characters at least, 72 UTF-8 bytes at most.
    public static func validate(_ password: String?, field: String = "password", _ v: inout Validator) {
        let p = password ?? ""
        if p.count < minCharacters {
            v.fail(field, "weak-password", en: "\(field) must have at least \(minCharacters) characters.",
                   zh: "\(field) 至少需要 \(minCharacters) 个字符。")
        } else if p.utf8.count > maxBytes {
            v.fail(field, "too-long", en: "\(field) must be at most \(maxBytes) bytes in UTF-8 (about 24 Chinese characters).",
                   zh: "\(field) 按 UTF-8 编码最多 \(maxBytes) 字节（约 24 个汉字）。")
        }
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// One bcrypt verification whatever the input: against `hash`, or the dummy when there is no account
    /// or the password is over the limit (then the answer is false).
    public func verify(_ password: String, hash: String?) async throws -> Bool {
        let usable = hash != nil && password.utf8.count <= Self.maxBytes
        let target = usable ? hash! : dummyHash
        let ok = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: target) }
        return ok && usable
    }
}
