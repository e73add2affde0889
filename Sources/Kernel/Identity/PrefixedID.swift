import Foundation

/// Marks an entity kind with its ID prefix (`mer`, `usr`, …).
public protocol IDKind: Sendable {
    static var prefix: String { get }
}

/// A random, prefixed, URL-safe identifier such as `mer_01j9x5k3q8w2c4v6b7n9m0p1r2`.
///
/// 16 random bytes in lowercase Crockford base32 (26 characters): unguessable, so IDs can
/// appear in URLs without leaking counts, and the prefix makes a misplaced ID obvious.
public struct PrefixedID<Kind: IDKind>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(parsing text: String) throws(IDError) {
        let parts = text.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, parts[0] == Kind.prefix, parts[1].count == 26,
              parts[1].allSatisfy({ PrefixedID.alphabetSet.contains($0) })
        else { throw .malformed(expectedPrefix: Kind.prefix, text) }
        rawValue = text
    }

    public init(unchecked text: String) { rawValue = text }

    public static func generate() -> Self {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }

    public static func generate(using rng: inout some RandomNumberGenerator) -> Self {
        var value = (UInt64.random(in: .min ... .max, using: &rng), UInt64.random(in: .min ... .max, using: &rng))
        var chars: [Character] = []
        chars.reserveCapacity(26)
        // 128 bits → 26 base32 digits (130 bits, top two always zero).
        for _ in 0..<26 {
            let digit = Int(value.1 & 31)
            chars.append(alphabet[digit])
            value.1 = (value.1 >> 5) | ((value.0 & 31) << 59)
            value.0 >>= 5
        }
        return Self(unchecked: Kind.prefix + "_" + String(chars.reversed()))
    }

    public var description: String { rawValue }
    public static func < (l: Self, r: Self) -> Bool { l.rawValue < r.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "malformed \(Kind.prefix) id"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    static var alphabet: [Character] { Array("0123456789abcdefghjkmnpqrstvwxyz") }
    static var alphabetSet: Set<Character> { Set(alphabet) }
}

extension PrefixedID {
    /// An ID a caller sent in `field` (a query parameter, a JSON property): nil when absent or empty. The kind is
    /// checked (`mer_…` where a merchant is expected), so a misplaced ID is a validation error naming the field; the
    /// body is not held to the generated length, so an unknown but well-kinded ID gets the owner's "no such record".
    public static func field(_ text: String?, _ field: String) throws(ValidationError) -> Self? {
        guard let text, !text.isEmpty else { return nil }
        let body = text.dropFirst(Kind.prefix.count + 1)
        guard text.hasPrefix(Kind.prefix + "_"), !body.isEmpty, text.count <= 64,
              body.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ValidationError(field: field, code: "invalid-id",
                                  en: "\(field) must be an ID of the form \(Kind.prefix)_… (letters and digits).",
                                  zh: "\(field) 须为 \(Kind.prefix)_… 形式的编号（字母与数字）。")
        }
        return Self(unchecked: text)
    }
}

public enum IDError: Error, Equatable, Sendable {
    case malformed(expectedPrefix: String, String)
}

/// Random opaque tokens (API keys, session ids, CSRF tokens): base64url without padding.
public enum RandomToken {
    public static func make(bytes: Int = 32) -> String {
        var rng = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &rng) })
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
