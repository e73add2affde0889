import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport

/// K5: keyed checkpoints outside the database expose what the hash chain alone cannot — trailing rows deleted, the
/// table emptied, the chain recomputed after a forged edit — and the table refuses UPDATE and DELETE.
@Suite struct AuditAnchorTests {
    static let key = AuditCheckpointKey(cipher: TestFixtures.cipher)

    func fill(_ db: Database, _ n: Int, from first: Int = 1) async throws {
        let log = AuditLog(clock: FixedClock(TestFixtures.start))
        try await db.transaction { sql in
            for i in first..<(first + n) {
                try await log.append(AuditEvent(actor: "usr_test", merchantId: nil, action: "thing.changed", entity: "thing",
                                                entityId: "t\(i)", data: ["i": String(i)]), in: sql)
            }
        }
    }

    /// A fresh database with `n` entries and an anchor writing to a temporary file.
    func withAnchor(_ n: Int, key: AuditCheckpointKey = AuditAnchorTests.key,
                    _ body: (Database, AuditAnchor) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tl-anchor-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            if n > 0 { try await fill(db, n) }
            let anchor = AuditAnchor(db: db, key: key, file: AuditCheckpointFile(path: dir.appendingPathComponent("cp.log").path),
                                     clock: FixedClock(TestFixtures.start.addingTimeInterval(60)))
            try await body(db, anchor)
        }
    }

    func deleteEntries(after seq: Int64, _ db: Database) async throws {
        try await AuditTampering.dropGuards(db)
        try await db.read { try await $0.delete(from: "audit_log").where("seq", .greaterThan, seq).run() }
    }

    @Test func untouchedChainPassesAndCheckpointsGrow() async throws {
        try await withAnchor(30) { db, anchor in
            guard case .written(let first) = try await anchor.checkpoint() else { Issue.record("first checkpoint refused"); return }
            #expect(first.count == 30)
            try await fill(db, 5, from: 31)
            guard case .written(let second) = try await anchor.checkpoint() else { Issue.record("second checkpoint refused"); return }
            #expect(second.count == 35)
            let report = try await anchor.verify(batch: 7)
            #expect(report.isIntact, "\(report)")
            #expect(report.checkpoints == 2 && report.latest == second)
            #expect(try anchor.file.lines()?.count == 2)
        }
    }

    @Test func deletingTheLastEntryFails() async throws {
        try await withAnchor(10) { db, anchor in
            try await anchor.checkpoint()
            try await deleteEntries(after: 9, db)
            let report = try await anchor.verify()
            let h9 = try await AuditLog.hash(of: 9, db)
            #expect(report.chain == .intact(entries: 9, head: h9 ?? "?"))
            #expect(!report.isIntact)
            #expect(report.problems == [.truncated(entries: 9, checkpointCount: 10, checkpointAt: TestFixtures.start.addingTimeInterval(60))])
            #expect(report.problems.first?.description.contains("entries 10…10 were deleted") == true)
            // The writer does not vouch for the cut chain.
            guard case .refused = try await anchor.checkpoint() else { Issue.record("checkpoint of a truncated chain was written"); return }
            #expect(try anchor.file.lines()?.count == 1)
        }
    }

    @Test func deletingTheLast100EntriesFails() async throws {
        try await withAnchor(150) { db, anchor in
            try await anchor.checkpoint()
            try await deleteEntries(after: 50, db)
            let report = try await anchor.verify()
            #expect(!report.isIntact)
            #expect(report.problems.map(\.seq) == [51])
        }
    }

    @Test func deletingEveryEntryFails() async throws {
        try await withAnchor(12) { db, anchor in
            try await anchor.checkpoint()
            try await deleteEntries(after: 0, db)
            let report = try await anchor.verify()
            #expect(report.chain == .intact(entries: 0, head: AuditEntry.genesisHash))
            #expect(report.problems.map(\.seq) == [1])
            #expect(!report.isIntact)
        }
    }

    @Test func forgedEditWithRecomputedChainFails() async throws {
        try await withAnchor(20) { db, anchor in
            try await anchor.checkpoint()
            try await AuditTampering.dropGuards(db)
            // Rewrite entry 7's actor and recompute every hash from there on: the chain itself is consistent again.
            let rows = try await db.read { try await $0.select().column("*").from("audit_log").orderBy("seq").all() }.map(AuditLog.decode)
            var prev = rows[5].hash
            for e in rows[6...] {
                let actor = e.seq == 7 ? "usr_forger" : e.actor
                let h = AuditEntry.digest(seq: e.seq, at: e.at.epochMillis, actor: actor, merchantId: e.merchantId?.rawValue, action: e.action,
                                          entity: e.entity, entityId: e.entityId, data: e.data, prevHash: prev)
                let link = prev
                try await db.read {
                    try await $0.update("audit_log").set("actor", to: actor).set("prev_hash", to: link).set("hash", to: h)
                        .where("seq", .equal, e.seq).run()
                }
                prev = h
            }
            #expect(try await AuditLog.verify(db) == .intact(entries: 20, head: prev))   // the chain alone is fooled
            let report = try await anchor.verify()
            #expect(report.problems == [.rewritten(seq: 20, checkpointAt: TestFixtures.start.addingTimeInterval(60))])
            #expect(!report.isIntact)
        }
    }

    @Test func alteredOrForeignCheckpointLinesFail() async throws {
        try await withAnchor(5) { db, anchor in
            guard case .written(let c) = try await anchor.checkpoint() else { Issue.record("checkpoint refused"); return }
            // Whoever can write the file but lacks the key cannot move the anchor back.
            var line = c.jsonLine.replacingOccurrences(of: "\"count\":5", with: "\"count\":3")
            let h3 = try await AuditLog.hash(of: 3, db)
            line = line.replacingOccurrences(of: c.head, with: h3 ?? "?")
            try (line + "\n").appendLine(to: anchor.file.path)
            let other = AuditCheckpointKey(cipher: try FieldCipher(masterKeyText: String(repeating: "ab", count: 32)))
            try (AuditCheckpoint.sign(count: 5, head: c.head, at: c.time, key: other).jsonLine + "\nnot json\n").appendLine(to: anchor.file.path)
            let report = try await anchor.verify()
            #expect(report.checkpoints == 1)
            #expect(report.problems.count == 3)
            #expect(report.problems.map(\.description).contains { $0.contains("line 2") && $0.contains("MAC does not verify") })
            #expect(report.problems.map(\.description).contains { $0.contains("line 3") && $0.contains("signed with another key") })
            #expect(report.problems.map(\.description).contains { $0.contains("line 4") })
        }
    }

    @Test func checkpointKeyIsNotAFieldKeyAndFollowsTheMasterKey() {
        let a = AuditCheckpointKey(cipher: TestFixtures.cipher)
        let b = AuditCheckpointKey(cipher: try! FieldCipher(masterKeyText: String(repeating: "cd", count: 32)))
        #expect(a.fingerprint != b.fingerprint)
        let c = AuditCheckpoint.sign(count: 1, head: "h", at: TestFixtures.start, key: a)
        #expect(c.isAuthentic(under: a) && !c.isAuthentic(under: b))
    }

    @Test func triggersRefuseUpdateAndDelete() async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            try await fill(db, 3)
            await #expect(throws: (any Error).self) {
                try await db.read { try await $0.update("audit_log").set("actor", to: "usr_x").where("seq", .equal, Int64(2)).run() }
            }
            await #expect(throws: (any Error).self) {
                try await db.read { try await $0.delete(from: "audit_log").where("seq", .equal, Int64(3)).run() }
            }
            await #expect(throws: (any Error).self) { try await db.read { try await $0.delete(from: "audit_log").run() } }
            if db.engine == .postgres {
                await #expect(throws: (any Error).self) { try await db.read { try await $0.raw("TRUNCATE audit_log").run() } }
            }
            // Appends still work, and nothing was changed.
            try await fill(db, 1, from: 4)
            let h4 = try await AuditLog.hash(of: 4, db)
            #expect(try await AuditLog.verify(db) == .intact(entries: 4, head: h4 ?? "?"))
            let actors = try await db.read { try await $0.select().column("actor").from("audit_log").all() }
            #expect(try actors.map { try $0.decode(column: "actor", as: String.self) } == Array(repeating: "usr_test", count: 4))
        }
    }
}

extension String {
    /// Appends to a file as another writer (not through AuditCheckpointFile).
    func appendLine(to path: String) throws {
        let h = FileHandle(forWritingAtPath: path)!
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(utf8))
    }
}
