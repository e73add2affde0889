import Foundation
import Hummingbird
import Kernel
import Logging
import Parties

/// Opens the database and assembles services from configuration: shared by every CLI command.
public enum Runtime {
    public static func open(_ config: AppConfig, logger: Logger, clock: any WallClock = SystemClock()) async throws -> AppServices {
        let key = try config.resolveMasterKey { logger.warning("\($0)") }
        let cipher = try FieldCipher(masterKeyText: key)
        // A separately configured checkpoint key keeps the audit anchor valid across master-key rotations.
        let auditKey = try config.auditKey.map { AuditCheckpointKey(cipher: try FieldCipher(masterKeyText: $0)) }
        // A malformed SMTP setting stops start-up here (AppServices would otherwise run inbox-only).
        if let smtp = try config.smtpSettings() { logger.info("notification e-mail via \(smtp)") }
        _ = try config.validatedImageHosts()
        let db = try await Database.open(url: config.databaseURL, logger: logger)
        return AppServices(db: db, clock: clock, cipher: cipher, config: config, auditKey: auditKey)
    }

    /// Migrates, then serves until SIGINT/SIGTERM.
    public static func serve(_ services: AppServices, logger: Logger) async throws {
        try await services.prepare()
        let app = try await buildApplication(services, logger: logger)
        try await app.runService()
    }

    public static func logger(_ config: AppConfig) -> Logger {
        var logger = Logger(label: "tradelane")
        logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
        return logger
    }
}
