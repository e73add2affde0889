import Foundation

/// Anchors the audit chain outside the database (K5): writes keyed checkpoints of (entries, head hash, time) to an
/// append-only file, and verifies the chain against them. A hash chain alone shows edits and gaps in the middle; the
/// checkpoints add what it cannot show — trailing rows deleted, the table emptied, the chain recomputed after a
/// forged edit — because the writer of the table holds neither the key nor the file.
public struct AuditAnchor: Sendable {
    public let db: Database
    public let key: AuditCheckpointKey
    public let file: AuditCheckpointFile
    public let clock: any WallClock

    public init(db: Database, key: AuditCheckpointKey, file: AuditCheckpointFile, clock: any WallClock) {
        self.db = db; self.key = key; self.file = file; self.clock = clock
    }

    public struct Report: Sendable, Equatable {
        public let chain: AuditLog.Verification
        /// Authentic checkpoint lines read.
        public let checkpoints: Int
        public let latest: AuditCheckpoint?
        public let problems: [AuditAnchorCheck.Problem]
        public var isIntact: Bool {
            if case .intact = chain { return problems.isEmpty }
            return false
        }
    }

    /// The whole chain, every checkpoint line's MAC and order, and the longest checkpoint against the chain.
    public func verify(batch: Int = 1000) async throws -> Report {
        // The file first: a checkpoint a running server writes meanwhile covers entries the walk below will also see.
        let (checkpoints, problems) = AuditAnchorCheck.parse(try file.lines() ?? [], key: key)
        let chain = try await AuditLog.verify(db, batch: batch)
        var all = problems
        let longest = AuditAnchorCheck.longest(checkpoints)
        if case .intact(let entries, _) = chain,
           let p = try await AuditAnchorCheck.check(longest, entries: entries, hashAt: { try await AuditLog.hash(of: $0, db) }) {
            all.append(p)
        }
        return Report(chain: chain, checkpoints: checkpoints.count, latest: longest, problems: all)
    }

    public enum Outcome: Sendable, Equatable {
        case written(AuditCheckpoint)
        /// Nothing written: the chain no longer extends the last checkpoint (or the last line is not authentic).
        case refused(String)
    }

    /// Verifies what was appended since the last checkpoint, then signs the new head. Refuses (writes nothing) when
    /// the chain does not extend the last checkpoint, so a cut or rewritten chain is never vouched for.
    @discardableResult
    public func checkpoint() async throws -> Outcome {
        var start: Int64 = 1
        var prev = AuditEntry.genesisHash
        if let line = file.lastLine() {
            let (parsed, problems) = AuditAnchorCheck.parse([line], key: key)
            guard let last = parsed.first else {
                return .refused(problems.first.map { "last \($0)" } ?? "the last checkpoint line is unreadable")
            }
            if let p = try await AuditAnchorCheck.check(last, entries: try await AuditLog.head(db).entries,
                                                        hashAt: { try await AuditLog.hash(of: $0, db) }) {
                return .refused(p.description)
            }
            start = last.count + 1
            prev = last.head
        }
        switch try await AuditLog.verify(db, from: start, prevHash: prev) {
        case .broken(let seq, let reason):
            return .refused("audit chain broken at entry \(seq): \(reason)")
        case .intact(let entries, let head):
            return .written(try write(entries: entries, head: head))
        }
    }

    /// Signs and appends a checkpoint for a head the caller has just verified.
    @discardableResult
    public func write(entries: Int64, head: String) throws -> AuditCheckpoint {
        let c = AuditCheckpoint.sign(count: entries, head: head, at: clock.now(), key: key)
        try file.append(c)
        return c
    }

    /// The last line of the file if it is an authentic checkpoint (for `/metrics`).
    public func lastCheckpoint() -> AuditCheckpoint? {
        file.lastLine().flatMap { AuditAnchorCheck.parse([$0], key: key).checkpoints.first }
    }
}
