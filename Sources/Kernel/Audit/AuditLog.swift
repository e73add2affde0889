import Crypto
import Foundation
import SQLKit

/// One tamper-evident record of a state change (K5).
public struct AuditEntry: Sendable, Hashable, Codable {
    public let seq: Int64
    public let at: Date
    public let actor: String
    public let merchantId: MerchantID?
    public let action: String
    public let entity: String
    public let entityId: String
    /// Canonical JSON (sorted keys) of what changed; never holds secrets or clear-text personal data.
    public let data: String
    public let prevHash: String
    public let hash: String

    /// SHA-256 over the previous hash and every field, separated by U+001F so that no
    /// field can be shifted into its neighbour without changing the digest.
    public static func digest(seq: Int64, at: Int64, actor: String, merchantId: String?, action: String,
                              entity: String, entityId: String, data: String, prevHash: String) -> String {
        let canonical = [prevHash, String(seq), String(at), actor, merchantId ?? "", action, entity, entityId, data]
            .joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public static let genesisHash = String(repeating: "0", count: 64)
}

/// A record whose history is asked for: the `entity` and `entityId` its audit entries carry.
public struct AuditTarget: Sendable, Hashable {
    public let entity: String
    public let entityId: String
    public init(_ entity: String, _ entityId: String) { self.entity = entity; self.entityId = entityId }
}

/// What happened, by whom: the input to `AuditLog.append`.
public struct AuditEvent: Sendable {
    public let actor: String
    public let merchantId: MerchantID?
    public let action: String
    public let entity: String
    public let entityId: String
    public let data: [String: String]

    public init(actor: String, merchantId: MerchantID?, action: String, entity: String, entityId: String, data: [String: String] = [:]) {
        self.actor = actor; self.merchantId = merchantId; self.action = action
        self.entity = entity; self.entityId = entityId; self.data = data
    }
}

/// Append-only, hash-chained audit log. Appends run inside the caller's transaction so a
/// state change and its audit record commit together or not at all.
public struct AuditLog: Sendable {
    public let clock: any WallClock
    public init(clock: any WallClock) { self.clock = clock }

    @discardableResult
    public func append(_ event: AuditEvent, in sql: any SQLDatabase) async throws -> AuditEntry {
        // The chain needs a total order: serialise appenders (SQLite's BEGIN IMMEDIATE already does).
        if sql.engine == .postgres { try await sql.raw("SELECT pg_advisory_xact_lock(7274720002)").run() }
        let last = try await sql.select().columns("seq", "hash").from("audit_log")
            .orderBy("seq", .descending).limit(1).first()
        let prevSeq = try last?.decode(column: "seq", as: Int64.self) ?? 0
        let prevHash = try last?.decode(column: "hash", as: String.self) ?? AuditEntry.genesisHash
        let seq = prevSeq + 1
        let at = clock.now().epochMillis
        let data = AuditLog.canonicalJSON(event.data)
        let hash = AuditEntry.digest(seq: seq, at: at, actor: event.actor, merchantId: event.merchantId?.rawValue,
                                     action: event.action, entity: event.entity, entityId: event.entityId,
                                     data: data, prevHash: prevHash)
        try await sql.insert(into: "audit_log")
            .columns("seq", "at", "actor", "merchant_id", "action", "entity", "entity_id", "data", "prev_hash", "hash")
            .values(SQLBind(seq), SQLBind(at), SQLBind(event.actor), SQLBind(event.merchantId?.rawValue), SQLBind(event.action),
                    SQLBind(event.entity), SQLBind(event.entityId), SQLBind(data), SQLBind(prevHash), SQLBind(hash))
            .run()
        return AuditEntry(seq: seq, at: Date(epochMillis: at), actor: event.actor, merchantId: event.merchantId,
                          action: event.action, entity: event.entity, entityId: event.entityId, data: data,
                          prevHash: prevHash, hash: hash)
    }

    public static func canonicalJSON(_ data: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(data)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    public enum Verification: Sendable, Equatable {
        case intact(entries: Int64, head: String)
        /// The first entry whose link does not hold, and why.
        case broken(seq: Int64, reason: String)
    }

    /// Walks the chain in batches and reports the first broken link: the whole chain by default, or from entry
    /// `start` on, given the hash of entry `start - 1` (an already verified prefix, e.g. a checkpoint's head).
    public static func verify(_ db: Database, batch: Int = 1000, from start: Int64 = 1,
                              prevHash startHash: String = AuditEntry.genesisHash) async throws -> Verification {
        var expectedSeq: Int64 = start
        var prevHash = startHash
        while true {
            let from = expectedSeq
            let rows = try await db.read { sql in
                try await sql.select().column("*").from("audit_log")
                    .where("seq", .greaterThanOrEqual, from).orderBy("seq").limit(batch).all()
            }
            if rows.isEmpty { return .intact(entries: expectedSeq - 1, head: prevHash) }
            for row in rows {
                let e = try decode(row)
                if e.seq != expectedSeq { return .broken(seq: expectedSeq, reason: "entry \(expectedSeq) is missing") }
                if e.prevHash != prevHash { return .broken(seq: e.seq, reason: "prev_hash does not match entry \(e.seq - 1)") }
                let recomputed = AuditEntry.digest(seq: e.seq, at: e.at.epochMillis, actor: e.actor, merchantId: e.merchantId?.rawValue,
                                                   action: e.action, entity: e.entity, entityId: e.entityId,
                                                   data: e.data, prevHash: e.prevHash)
                if recomputed != e.hash { return .broken(seq: e.seq, reason: "content does not match its hash") }
                prevHash = e.hash
                expectedSeq += 1
            }
        }
    }

    /// The last entry's number and hash (0 and the genesis hash for an empty log).
    public static func head(_ db: Database) async throws -> (entries: Int64, hash: String) {
        try await db.read { sql in
            let row = try await sql.select().columns("seq", "hash").from("audit_log").orderBy("seq", .descending).limit(1).first()
            guard let row else { return (0, AuditEntry.genesisHash) }
            return (try row.decode(column: "seq", as: Int64.self), try row.decode(column: "hash", as: String.self))
        }
    }

    /// The stored hash of entry `seq`, if the entry exists.
    public static func hash(of seq: Int64, _ db: Database) async throws -> String? {
        try await db.read { sql in
            try await sql.select().column("hash").from("audit_log").where("seq", .equal, seq).first()?.decode(column: "hash", as: String.self)
        }
    }

    public static func decode(_ row: any SQLRow) throws -> AuditEntry {
        AuditEntry(seq: try row.decode(column: "seq", as: Int64.self),
                   at: Date(epochMillis: try row.decode(column: "at", as: Int64.self)),
                   actor: try row.decode(column: "actor", as: String.self),
                   merchantId: try row.decode(column: "merchant_id", as: String?.self).map(MerchantID.init(unchecked:)),
                   action: try row.decode(column: "action", as: String.self),
                   entity: try row.decode(column: "entity", as: String.self),
                   entityId: try row.decode(column: "entity_id", as: String.self),
                   data: try row.decode(column: "data", as: String.self),
                   prevHash: try row.decode(column: "prev_hash", as: String.self),
                   hash: try row.decode(column: "hash", as: String.self))
    }

    /// Recent entries, newest first, optionally for one merchant (tenant-scoped reads); `before`: a sequence number
    /// from the previous page.
    public static func recent(_ db: Database, merchantId: MerchantID?, limit: Int, before: Int64? = nil) async throws -> [AuditEntry] {
        try await db.read { sql in
            let q = sql.select().column("*").from("audit_log").orderBy("seq", .descending).limit(limit)
            if let merchantId { q.where("merchant_id", .equal, merchantId.rawValue) }
            if let before { q.where("seq", .lessThan, before) }
            return try await q.all().map(decode)
        }
    }

    /// The entries of one or more records (e.g. a listing and its takedown cases), newest first, one page: at most
    /// `limit` (≤ 200) entries before sequence number `before`. `merchantId`: a merchant caller's scope — entries of
    /// another merchant never come back even when the record id is guessed. At most 20 targets.
    public static func forRecords(_ db: Database, _ targets: [AuditTarget], merchantId: MerchantID?, limit: Int,
                                  before: Int64? = nil) async throws -> [AuditEntry] {
        let targets = Array(targets.prefix(20))
        guard !targets.isEmpty else { return [] }
        let n = min(max(limit, 1), 200)
        return try await db.read { sql in
            let q = sql.select().column("*").from("audit_log")
                .where(group: { group in
                    for t in targets {
                        group.orWhere(group: { $0.where("entity", .equal, t.entity).where("entity_id", .equal, t.entityId) })
                    }
                    return group
                })
                .orderBy("seq", .descending).limit(n)
            if let merchantId { q.where("merchant_id", .equal, merchantId.rawValue) }
            if let before { q.where("seq", .lessThan, before) }
            return try await q.all().map(decode)
        }
    }

    /// A record's history for `p` (needs `audit.read`; a merchant caller sees only its own merchant's entries).
    public static func timeline(_ db: Database, _ targets: [AuditTarget], limit: Int, after: String?,
                                by p: Principal) async throws -> Page<AuditEntry> {
        try p.require(.auditRead)
        let n = min(max(limit, 1), 200)
        let before = try ValidationError.positiveCursor(after)
        let rows = try await forRecords(db, targets, merchantId: p.scope.merchantId, limit: n + 1, before: before)
        return Page.of(rows, limit: n) { String($0.seq) }
    }

    /// One page of the log for `p` (`after`: the `next` of the previous page).
    public static func page(_ db: Database, limit: Int, after: String?, by p: Principal) async throws -> Page<AuditEntry> {
        try p.require(.auditRead)
        let before = try ValidationError.positiveCursor(after)
        let rows = try await recent(db, merchantId: p.scope.merchantId, limit: limit + 1, before: before)
        return Page.of(rows, limit: limit) { String($0.seq) }
    }
}
