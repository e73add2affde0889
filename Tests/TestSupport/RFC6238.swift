import Crypto
import Foundation

/// An independent TOTP calculator (RFC 6238 over RFC 4226, HMAC-SHA-1, 30 s, 6 digits) that works from the base32 key
/// a person would type into an authenticator app: the tests check the product's codes and URIs against it rather
/// than against the product's own code.
public enum RFC6238 {
    public static func base32Decode(_ text: String) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0, value = 0
        var out: [UInt8] = []
        for ch in text.uppercased() where ch != " " && ch != "=" {
            guard let index = alphabet.firstIndex(of: ch) else { continue }
            value = (value << 5) | index
            bits += 5
            if bits >= 8 {
                out.append(UInt8((value >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return out
    }

    public static func code(base32 key: String, at date: Date) -> String {
        code(base32: key, step: UInt64(date.timeIntervalSince1970 / 30))
    }

    public static func code(base32 key: String, step: UInt64) -> String {
        var counter = step.bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: base32Decode(key))))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        return String(format: "%06u", binary % 1_000_000)
    }
}
