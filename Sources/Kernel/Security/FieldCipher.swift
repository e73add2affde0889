import Crypto
import Foundation

/// Encrypts sensitive fields at rest (K6) with AES-256-GCM, and computes a keyed blind index
/// (HMAC-SHA256) so exact-match lookups work without storing clear text.
///
/// Both keys are derived from the one master key with HKDF, so rotating the master key is
/// one setting; the ciphertext carries a version prefix for future rotations.
public struct FieldCipher: Sendable {
    // Raw bytes: SymmetricKey is not Sendable in this swift-crypto version.
    private let encryptionKeyBytes: Data
    private let indexKeyBytes: Data
    private let masterKeyBytes: Data
    private var encryptionKey: SymmetricKey { SymmetricKey(data: encryptionKeyBytes) }
    private var indexKey: SymmetricKey { SymmetricKey(data: indexKeyBytes) }

    public init(masterKey: SymmetricKey) {
        masterKeyBytes = masterKey.withUnsafeBytes { Data($0) }
        encryptionKeyBytes = HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey, salt: Data("tradelane".utf8),
                                                    info: Data("field-encryption-v1".utf8), outputByteCount: 32)
            .withUnsafeBytes { Data($0) }
        indexKeyBytes = HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey, salt: Data("tradelane".utf8),
                                               info: Data("blind-index-v1".utf8), outputByteCount: 32)
            .withUnsafeBytes { Data($0) }
    }

    /// Accepts the master key as base64 (44 chars) or hex (64 chars) of 32 random bytes.
    public init(masterKeyText: String) throws(FieldCipherError) {
        let t = masterKeyText.trimmingCharacters(in: .whitespacesAndNewlines)
        var bytes: Data?
        if t.count == 64, t.allSatisfy(\.isHexDigit) {
            var d = Data()
            var i = t.startIndex
            while i < t.endIndex {
                let j = t.index(i, offsetBy: 2)
                d.append(UInt8(t[i..<j], radix: 16)!)
                i = j
            }
            bytes = d
        } else {
            bytes = Data(base64Encoded: t)
        }
        guard let key = bytes, key.count == 32 else { throw .invalidMasterKey }
        self.init(masterKey: SymmetricKey(data: key))
    }

    /// Another key derived from the master key with HKDF under its own label (e.g. "audit-checkpoint-v1"), for
    /// purposes other than field encryption; never equal to the field keys.
    public func derivedKeyBytes(info: String) -> Data {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: masterKeyBytes), salt: Data("tradelane".utf8),
                               info: Data(info.utf8), outputByteCount: 32).withUnsafeBytes { Data($0) }
    }

    /// A new random master key, base64.
    public static func generateMasterKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// `context` (e.g. "kyc.registration_number") is bound as associated data, so a ciphertext
    /// copied into another column fails to decrypt.
    public func seal(_ plaintext: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: encryptionKey, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw FieldCipherError.sealFailed }
        return "v1." + combined.base64EncodedString()
    }

    public func open(_ sealed: String, context: String) throws(FieldCipherError) -> String {
        guard sealed.hasPrefix("v1."), let data = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw .malformedCiphertext
        }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            let plain = try AES.GCM.open(box, using: encryptionKey, authenticating: Data(context.utf8))
            guard let text = String(data: plain, encoding: .utf8) else { throw FieldCipherError.malformedCiphertext }
            return text
        } catch {
            throw .authenticationFailed
        }
    }

    /// Encrypts file contents (identity documents, licences) at rest; `context` binds the
    /// ciphertext to its row so it cannot be swapped with another document's.
    public func seal(data: Data, context: String) throws -> Data {
        let box = try AES.GCM.seal(data, using: encryptionKey, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw FieldCipherError.sealFailed }
        return combined
    }

    public func open(data: Data, context: String) throws(FieldCipherError) -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: encryptionKey, authenticating: Data(context.utf8))
        } catch {
            throw .authenticationFailed
        }
    }

    /// Keyed digest of exact bytes (no normalisation), hex: fingerprints of request bodies that
    /// may hold secrets, so that a stored fingerprint cannot be brute-forced back to them.
    public func mac(_ data: Data, context: String) -> String {
        var input = Data((context + "\u{1F}").utf8)
        input.append(data)
        return Data(HMAC<SHA256>.authenticationCode(for: input, using: indexKey)).map { String(format: "%02x", $0) }.joined()
    }

    /// Deterministic keyed digest of a normalised value (trimmed, upper-cased, inner spaces removed).
    public func blindIndex(_ value: String, context: String) -> String {
        let normalised = value.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        let mac = HMAC<SHA256>.authenticationCode(for: Data((context + "\u{1F}" + normalised).utf8), using: indexKey)
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }
}

public enum FieldCipherError: Error, Equatable, Sendable {
    case invalidMasterKey
    case sealFailed
    case malformedCiphertext
    case authenticationFailed
}

public enum Digest {
    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
    public static func sha256Hex(_ text: String) -> String { sha256Hex(Data(text.utf8)) }
}
