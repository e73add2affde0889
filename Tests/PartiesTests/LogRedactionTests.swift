import Foundation
import Kernel
import Logging
import Parties
import SQLKit
import Synchronization
import Testing
import TestSupport

/// K6: SQL bind values (bcrypt hashes, token digests) never reach the logs, even at trace level (issue 10).
@Suite struct LogRedactionTests {
    /// Keeps every log line (message and metadata) in memory.
    final class Capture: Sendable {
        let lines = Mutex<[String]>([])
        var text: String { lines.withLock { $0.joined(separator: "\n") } }
        func handler() -> some LogHandler { Handler(capture: self) }
        struct Handler: LogHandler {
            let capture: Capture
            var logLevel: Logger.Level = .trace
            var metadata: Logger.Metadata = [:]
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                     file: String, function: String, line: UInt) {
                let all = self.metadata.merging(metadata ?? [:]) { $1 }
                capture.lines.withLock { $0.append("\(level) \(message) \(all)") }
            }
        }
    }

    @Test func traceLogsCarryTheSQLButNoBindValues() async throws {
        let capture = Capture()
        let logger = Logger(label: "test.trace") { _ in capture.handler() }
        try await TestDatabase.with(migrations: KernelMigrations.all + PartiesMigrations.all, logger: logger) { db in
            var settings = PartiesSettings()
            settings.bcryptCost = 4
            let parties = PartiesServices(PartiesContext(db: db, clock: FixedClock(TestFixtures.start), cipher: TestFixtures.cipher, settings: settings))
            _ = try await parties.users.create(UserInput(email: "log@shop.cn", displayName: "Log", password: "correct horse battery",
                                                         role: "finance"), by: .system("t"))
            let (_, token) = try await parties.access.createKey(name: "k", role: "finance", merchantId: nil, by: .system("t"))
            #expect(try await parties.access.principal(forToken: token) != nil)
            let session = try #require(try await parties.access.login(email: "log@shop.cn", password: "correct horse battery"))
            let hash = try await db.read { try await $0.select().column("password_hash").from("users").first()!.decode(column: "password_hash", as: String.self) }
            let log = capture.text
            // The queries were logged (so the test can fail), their values were not.
            #expect(log.contains("INSERT INTO") && log.contains("password_hash") && log.contains("[redacted]"))
            for secret in [hash, APIKey.digest(token), token, Digest.sha256Hex(session.token), session.csrfToken, "log@shop.cn"] {
                #expect(!log.contains(secret), "log contains \(secret.prefix(12))…")
            }
        }
    }
}
