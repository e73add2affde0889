import Foundation
import SQLKit

/// Stored outcomes of `Idempotency-Key` requests: the same key and body replays the first
/// response; the same key with another body is a conflict (DESIGN API conventions).
///
/// Exactly-once (K9, issue 10): the record is inserted, the request's effect runs and the
/// response is stored in one `Database.requestTransaction`. A crash before the commit leaves
/// nothing (the retry runs for the first time), after it leaves both (the retry replays);
/// there is no "pending" state to go stale and be re-taken.
///
/// Stored bodies are sealed with `FieldCipher` (they can hold a new API key or a decrypted
/// identity number) and request bodies are fingerprinted with a keyed MAC, never a bare hash.
public struct IdempotencyStore: Sendable {
    public let db: Database
    public let clock: any WallClock
    let cipher: FieldCipher

    public init(db: Database, clock: any WallClock, cipher: FieldCipher) {
        self.db = db; self.clock = clock; self.cipher = cipher
    }

    public struct StoredResponse: Sendable, Equatable {
        public let status: Int
        public let contentType: String
        public let body: Data
        public let location: String?
        public init(status: Int, contentType: String, body: Data, location: String?) {
            self.status = status; self.contentType = contentType; self.body = body; self.location = location
        }
    }

    /// Who may use a key: one credential (a session's user or one API key), with the role it had.
    public struct Owner: Sendable, Equatable {
        public let scope: String
        public let role: String
        public init(scope: String, role: String) { self.scope = scope; self.role = role }
    }

    public enum Found: Sendable, Equatable {
        case replay(StoredResponse)
        /// Same key, another request.
        case mismatch
        /// The credential's role changed since: the stored outcome was decided for another role.
        case roleChanged
    }

    public enum Performed: Sendable, Equatable {
        /// The effect ran and committed with its stored response.
        case ran(StoredResponse)
        /// The effect failed on the server's side (5xx): rolled back, nothing stored, the key stays free.
        case failed(StoredResponse)
        /// Another request with this key committed first.
        case found(Found)
        /// Another request with this key was running and rolled back: try again.
        case inProgress
    }

    /// The keyed fingerprint of a request (method, path, body).
    public func fingerprint(_ request: Data) -> String { cipher.mac(request, context: "idempotency.request") }

    /// The committed outcome for this key, if any.
    public func find(owner: Owner, key: String, requestHash: String) async throws -> Found? {
        guard let row = try await db.read({ sql in
            try await sql.select().columns("request_hash", "role", "status", "content_type", "body", "location")
                .from("idempotency_keys").where("scope", .equal, owner.scope).where("idem_key", .equal, key)
                .where("state", .equal, "done").first()
        }) else { return nil }
        guard try row.decode(column: "request_hash", as: String.self) == requestHash else { return .mismatch }
        guard try row.decode(column: "role", as: String.self) == owner.role else { return .roleChanged }
        let sealed = try row.decode(column: "body", as: Data.self)
        return .replay(StoredResponse(
            status: Int(try row.decode(column: "status", as: Int64.self)),
            contentType: try row.decode(column: "content_type", as: String.self),
            body: try cipher.open(data: sealed, context: Self.context(owner, key)),
            location: try row.decode(column: "location", as: String?.self)))
    }

    /// Runs `effect` inside one request transaction that also records its response.
    public func perform(owner: Owner, key: String, requestHash: String,
                        effect: @Sendable () async throws -> StoredResponse) async throws -> Performed {
        let now = clock.now().epochMillis
        do {
            let response = try await db.requestTransaction { sql -> StoredResponse in
                // Waits on PostgreSQL while a concurrent request holds the key, then inserts nothing.
                let claimed = try await sql.raw("""
                    INSERT INTO idempotency_keys (scope, idem_key, request_hash, role, state, status, content_type, body, location, created_at)
                    VALUES (\(bind: owner.scope), \(bind: key), \(bind: requestHash), \(bind: owner.role), 'done', 0, '', \(bind: Data()), NULL, \(bind: now))
                    ON CONFLICT DO NOTHING RETURNING idem_key
                    """).all()
                guard !claimed.isEmpty else { throw Outcome.taken }
                let response = try await effect()
                guard response.status < 500 else { throw Outcome.serverFailure(response) }
                try await sql.update("idempotency_keys")
                    .set("status", to: Int64(response.status)).set("content_type", to: response.contentType)
                    .set("body", to: try cipher.seal(data: response.body, context: Self.context(owner, key)))
                    .set("location", to: response.location)
                    .where("scope", .equal, owner.scope).where("idem_key", .equal, key).run()
                return response
            }
            return .ran(response)
        } catch Outcome.serverFailure(let response) {
            return .failed(response)
        } catch Outcome.taken {
            guard let found = try await find(owner: owner, key: key, requestHash: requestHash) else { return .inProgress }
            return .found(found)
        }
    }

    /// Drop records older than `age` (kept ≥ 24 h per DESIGN).
    public func purge(olderThan age: TimeInterval) async throws {
        let cutoff = clock.now().addingTimeInterval(-age).epochMillis
        try await db.transaction { sql in
            try await sql.delete(from: "idempotency_keys").where("created_at", .lessThan, cutoff).run()
        }
    }

    /// Binds a sealed body to its record, so it cannot be replayed under another credential's key.
    private static func context(_ owner: Owner, _ key: String) -> String { "idempotency|\(owner.scope)|\(key)" }

    private enum Outcome: Error {
        case taken
        case serverFailure(StoredResponse)
    }
}
