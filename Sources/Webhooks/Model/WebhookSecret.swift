import Crypto
import Foundation
import Kernel

/// The signing secret of an endpoint: `whsec_` and 32 random bytes (base64url). Shown once when created or rotated,
/// stored only sealed; the HMAC key is the secret's text as UTF-8 bytes, prefix included (as receivers copy it).
public enum WebhookSecret {
    public static let prefix = "whsec_"
    public static func generate() -> String { prefix + RandomToken.make(bytes: 32) }
    /// The associated data sealing binds the secret to its endpoint, so a sealed secret copied to another row fails.
    static func sealContext(_ id: WebhookEndpointID) -> String { "webhook_endpoints.secret:\(id.rawValue)" }
}

/// `Tradelane-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (the Stripe scheme): the
/// timestamp is signed with the body, so a receiver that rejects old timestamps also rejects replays.
public enum WebhookSignature {
    public static let header = "Tradelane-Signature"
    /// Receivers should refuse a signature older (or newer) than this (docs/api.md).
    public static let tolerance: TimeInterval = 300

    public static func sign(body: Data, secret: String, timestamp: Int64) -> String {
        "t=\(timestamp),v1=\(hmacHex(body: body, secret: secret, timestamp: timestamp))"
    }

    static func hmacHex(body: Data, secret: String, timestamp: Int64) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }

    public enum Failure: Error, Equatable { case malformed, noMatch, outsideTolerance }

    /// What a receiver does: parse the header, check the timestamp is within `tolerance` of `now`, and compare every
    /// `v1` signature with the expected one in constant time.
    public static func verify(header: String, body: Data, secret: String, now: Date, tolerance: TimeInterval = tolerance) throws(Failure) {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { continue }
            if kv[0] == "t" { timestamp = Int64(kv[1]) } else if kv[0] == "v1" { signatures.append(kv[1]) }
        }
        guard let timestamp, !signatures.isEmpty else { throw .malformed }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { throw .outsideTolerance }
        let expected = Array(hmacHex(body: body, secret: secret, timestamp: timestamp).utf8)
        guard signatures.contains(where: { constantTimeEqual(Array($0.utf8), expected) }) else { throw .noMatch }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
