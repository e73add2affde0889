import Crypto
import Foundation

/// The secret that signs audit checkpoints (K5). It never lives in the database: it is derived from the master key
/// (HKDF, label `audit-checkpoint-v1`) or from a separately configured key, so whoever can rewrite the audit table
/// cannot forge a checkpoint that vouches for the rewritten chain.
public struct AuditCheckpointKey: Sendable {
    let bytes: Data
    public static let label = "audit-checkpoint-v1"

    public init(bytes: Data) { self.bytes = bytes }

    /// Derived from the cipher's master key under the checkpoint label.
    public init(cipher: FieldCipher) { bytes = cipher.derivedKeyBytes(info: Self.label) }

    /// A short public fingerprint (first 8 bytes of SHA-256 over the key) written on each checkpoint, so verification
    /// can tell "signed with another key" from "forged".
    public var fingerprint: String { String(Digest.sha256Hex(bytes).prefix(16)) }

    func mac(_ message: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: bytes)).map { String(format: "%02x", $0) }.joined()
    }
}

/// A keyed statement "at `at`, the audit chain had `count` entries and entry `count` had hash `head`". Kept outside
/// the database (an append-only file on other storage), it lets `audit verify` notice what a hash chain alone cannot:
/// deleted trailing rows, an emptied table, or a chain recomputed after a forged edit.
public struct AuditCheckpoint: Sendable, Hashable, Codable {
    public static let formatVersion = 1
    public let v: Int
    public let count: Int64
    public let head: String
    /// Epoch milliseconds, as the chain stores time.
    public let at: Int64
    public let key: String
    public let mac: String

    /// The MAC's input: every field, in a fixed order, separated by U+001F.
    static func message(v: Int, count: Int64, head: String, at: Int64) -> String {
        ["tradelane-audit-checkpoint", String(v), String(count), head, String(at)].joined(separator: "\u{1F}")
    }

    public static func sign(count: Int64, head: String, at: Date, key: AuditCheckpointKey) -> AuditCheckpoint {
        let ms = at.epochMillis
        return AuditCheckpoint(v: formatVersion, count: count, head: head, at: ms, key: key.fingerprint,
                               mac: key.mac(message(v: formatVersion, count: count, head: head, at: ms)))
    }

    /// Constant-time comparison of the stored MAC with the recomputed one.
    public func isAuthentic(under key: AuditCheckpointKey) -> Bool {
        let expected = Array(key.mac(Self.message(v: v, count: count, head: head, at: at)).utf8)
        let actual = Array(mac.utf8)
        guard expected.count == actual.count else { return false }
        return zip(expected, actual).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public var time: Date { Date(epochMillis: at) }

    /// One JSON line (sorted keys), without the newline.
    public var jsonLine: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }
}

/// What the checkpoints say about the chain, as a pure function of the chain's hashes and the checkpoint lines.
public enum AuditAnchorCheck {
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// Line `line` (1-based) of the checkpoint file is not a checkpoint or its MAC does not verify.
        case badCheckpoint(line: Int, reason: String)
        /// The chain is shorter than a checkpoint says it was: trailing rows were deleted.
        case truncated(entries: Int64, checkpointCount: Int64, checkpointAt: Date)
        /// Entry `seq` no longer has the hash a checkpoint recorded: the chain was rewritten.
        case rewritten(seq: Int64, checkpointAt: Date)
        /// A later checkpoint covers fewer entries than an earlier one: the chain was cut between the two.
        case shrank(from: Int64, to: Int64, at: Date)

        public var description: String {
            switch self {
            case .badCheckpoint(let line, let reason): "checkpoint line \(line) is invalid: \(reason)"
            case .truncated(let n, let count, let at):
                "the chain has \(n) entries but the checkpoint of \(at.rfc3339) covers \(count): entries \(n + 1)…\(count) were deleted"
            case .rewritten(let seq, let at):
                "entry \(seq) does not have the hash the checkpoint of \(at.rfc3339) recorded: the chain was rewritten"
            case .shrank(let from, let to, let at): "the checkpoint of \(at.rfc3339) covers \(to) entries, fewer than the \(from) of an earlier one"
            }
        }

        /// The first entry the problem concerns (0 for a bad checkpoint line).
        public var seq: Int64 {
            switch self {
            case .badCheckpoint: 0
            case .truncated(let n, _, _): n + 1
            case .rewritten(let seq, _): seq
            case .shrank(_, let to, _): to + 1
            }
        }
    }

    /// Parses checkpoint lines and checks each MAC; blank lines are ignored.
    public static func parse(_ lines: [String], key: AuditCheckpointKey) -> (checkpoints: [AuditCheckpoint], problems: [Problem]) {
        var out: [AuditCheckpoint] = []
        var problems: [Problem] = []
        let d = JSONDecoder()
        for (i, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let c = try? d.decode(AuditCheckpoint.self, from: Data(line.utf8)) else {
                problems.append(.badCheckpoint(line: i + 1, reason: "not a checkpoint record")); continue
            }
            guard c.v == AuditCheckpoint.formatVersion else {
                problems.append(.badCheckpoint(line: i + 1, reason: "unknown format version \(c.v)")); continue
            }
            guard c.isAuthentic(under: key) else {
                let why = c.key == key.fingerprint ? "MAC does not verify (forged or altered)"
                    : "signed with another key (\(c.key)), not the configured one (\(key.fingerprint))"
                problems.append(.badCheckpoint(line: i + 1, reason: why)); continue
            }
            out.append(c)
        }
        var highest: AuditCheckpoint?
        for c in out {
            if let h = highest, c.count < h.count { problems.append(.shrank(from: h.count, to: c.count, at: c.time)) }
            if highest == nil || c.count >= highest!.count { highest = c }
        }
        return (out, problems)
    }

    /// The checkpoint covering the most entries. The chain being intact (every link verified), entry `count` still
    /// having that checkpoint's hash proves the first `count` entries are unchanged, so earlier checkpoints need no
    /// separate look-up.
    public static func longest(_ checkpoints: [AuditCheckpoint]) -> AuditCheckpoint? {
        checkpoints.max { ($0.count, $0.at) < ($1.count, $1.at) }
    }

    /// Checks a verified chain of `entries` entries against the longest authentic checkpoint; `hashAt(seq)` is the
    /// stored hash of entry `seq` (nil when missing).
    public static func check(_ checkpoint: AuditCheckpoint?, entries: Int64, hashAt: (Int64) async throws -> String?) async rethrows -> Problem? {
        guard let c = checkpoint else { return nil }
        if c.count > entries { return .truncated(entries: entries, checkpointCount: c.count, checkpointAt: c.time) }
        if c.count == 0 { return c.head == AuditEntry.genesisHash ? nil : .rewritten(seq: 0, checkpointAt: c.time) }
        return try await hashAt(c.count) == c.head ? nil : .rewritten(seq: c.count, checkpointAt: c.time)
    }
}
