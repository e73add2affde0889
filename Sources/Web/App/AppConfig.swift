import Configuration
import Foundation
import Kernel
import Webhooks
import Notifications

/// Runtime settings, read from the environment (`TRADELANE_*`) through swift-configuration.
public struct AppConfig: Sendable {
    public enum Mode: String, Sendable { case demo, production }

    /// Where links in e-mails point.
    public var publicBase: String { publicURL ?? "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)" }

    public var mode: Mode
    public var host: String
    public var port: Int
    public var dataDirectory: String
    public var databaseURL: String
    /// Base64 or hex of 32 bytes; required in production, generated into the data dir in demo mode.
    public var masterKey: String?
    public var exitNoticeDays: Int
    public var licenceWarningDays: Int
    public var bcryptCost: Int
    public var secureCookies: Bool
    public var logLevel: String
    /// Minutes a console session may stay unused before it ends (K3).
    public var sessionIdleMinutes: Int = 30
    /// Failed log-ins per account before it is blocked (per client address: four times as many) (K3).
    public var loginFreeFailures: Int = 5
    /// Take the client address for login throttling from the last `X-Forwarded-For` entry (only behind a proxy that sets it).
    public var trustForwardedFor: Bool = false
    /// Append-only file of audit checkpoints (K5); default `<data dir>/audit-checkpoints.log`. Put it on other storage.
    public var auditCheckpointFile: String?
    /// The console's address as people reach it (links in invitation e-mails); default `http://<host>:<port>`.
    public var publicURL: String?
    /// A separate checkpoint key (32 bytes, base64 or hex); default: derived from the master key (HKDF, own label).
    public var auditKey: String?
    /// Seconds between checkpoints written by the server (0 disables the background writer).
    public var auditCheckpointInterval: Int = 300
    /// Let webhooks go to `http` URLs and loopback/private/link-local addresses (tests and a local demo only: SSRF).
    public var webhooksAllowPrivateNetworks: Bool = false
    /// Seconds one webhook delivery may take, answer included, before it counts as failed and is retried.
    public var webhookTimeoutSeconds: Int = 10
    /// SMTP server for notification e-mail: `smtp://relay:25`, `smtp+starttls://user:password@host:587` or
    /// `smtps://user:password@host:465` (see docs/operations.md). Unset: inbox only. A secret: never logged.
    public var smtpURL: String?
    /// PEM file of the certificates to trust for the SMTP server's TLS (a private CA); default: the system store.
    public var smtpCAFile: String?
    /// Sender of notification e-mail, `Tradelane <noreply@example.com>`.
    public var smtpFrom: String?
    /// Seconds to wait for the SMTP connection and for each reply.
    public var smtpTimeoutSeconds: Int = 30
    /// Jobs each instance runs at once (`TRADELANE_JOB_CONCURRENCY`, 1…`maxJobConcurrency`).
    public var jobConcurrency: Int = 2
    /// Hosts public listing pages may load product photos from over HTTPS (`TRADELANE_IMAGE_HOSTS`, comma-separated,
    /// e.g. `img.alicdn.com,cdn.example.com`); the page's Content-Security-Policy names exactly these.
    public var imageHosts: [String] = []
    public static let maxJobConcurrency = 32

    public var auditCheckpointPath: String {
        auditCheckpointFile ?? URL(fileURLWithPath: dataDirectory).appendingPathComponent("audit-checkpoints.log").path
    }

    public init(mode: Mode = .demo, host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "./tradelane-data",
                databaseURL: String? = nil, masterKey: String? = nil, exitNoticeDays: Int = 30, licenceWarningDays: Int = 30,
                bcryptCost: Int = 12, secureCookies: Bool = false, logLevel: String = "info") {
        self.mode = mode; self.host = host; self.port = port; self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL ?? AppConfig.defaultDatabaseURL(dataDirectory)
        self.masterKey = masterKey; self.exitNoticeDays = exitNoticeDays; self.licenceWarningDays = licenceWarningDays
        self.bcryptCost = bcryptCost; self.secureCookies = secureCookies; self.logLevel = logLevel
    }

    static func defaultDatabaseURL(_ dir: String) -> String {
        let abs = dir.hasPrefix("/") ? dir : FileManager.default.currentDirectoryPath + "/" + dir
        return "sqlite://" + URL(fileURLWithPath: abs).standardizedFileURL.path + "/tradelane.sqlite"
    }

    /// Environment first, then the given defaults (CLI flags override by passing them in).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment,
                                       defaults: AppConfig = AppConfig()) -> AppConfig {
        let config = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: env))
        let dataDir = config.string(forKey: "tradelane.data.dir", default: defaults.dataDirectory)
        var c = defaults
        c.dataDirectory = dataDir
        c.mode = Mode(rawValue: config.string(forKey: "tradelane.mode", default: defaults.mode.rawValue)) ?? defaults.mode
        c.host = config.string(forKey: "tradelane.host", default: defaults.host)
        c.port = config.int(forKey: "tradelane.port", default: defaults.port)
        c.databaseURL = config.string(forKey: "tradelane.database.url", default: defaultDatabaseURL(dataDir))
        c.masterKey = config.string(forKey: "tradelane.master.key", isSecret: true) ?? defaults.masterKey
        c.exitNoticeDays = config.int(forKey: "tradelane.exit.notice.days", default: defaults.exitNoticeDays)
        c.licenceWarningDays = config.int(forKey: "tradelane.licence.warning.days", default: defaults.licenceWarningDays)
        c.bcryptCost = config.int(forKey: "tradelane.bcrypt.cost", default: defaults.bcryptCost)
        c.secureCookies = config.bool(forKey: "tradelane.secure.cookies", default: c.mode == .production)
        c.logLevel = config.string(forKey: "tradelane.log.level", default: defaults.logLevel)
        c.sessionIdleMinutes = config.int(forKey: "tradelane.session.idle.minutes", default: defaults.sessionIdleMinutes)
        c.loginFreeFailures = config.int(forKey: "tradelane.login.free.failures", default: defaults.loginFreeFailures)
        c.trustForwardedFor = config.bool(forKey: "tradelane.trust.forwarded.for", default: defaults.trustForwardedFor)
        c.auditCheckpointFile = config.string(forKey: "tradelane.audit.checkpoint.file") ?? defaults.auditCheckpointFile
        c.publicURL = config.string(forKey: "tradelane.public.url") ?? defaults.publicURL
        c.auditKey = config.string(forKey: "tradelane.audit.key", isSecret: true) ?? defaults.auditKey
        c.auditCheckpointInterval = config.int(forKey: "tradelane.audit.checkpoint.interval", default: defaults.auditCheckpointInterval)
        c.webhooksAllowPrivateNetworks = config.bool(forKey: "tradelane.webhooks.allow.private.networks", default: defaults.webhooksAllowPrivateNetworks)
        c.webhookTimeoutSeconds = config.int(forKey: "tradelane.webhooks.timeout.seconds", default: defaults.webhookTimeoutSeconds)
        c.smtpURL = config.string(forKey: "tradelane.smtp.url", isSecret: true) ?? defaults.smtpURL
        c.smtpFrom = config.string(forKey: "tradelane.smtp.from") ?? defaults.smtpFrom
        c.smtpCAFile = config.string(forKey: "tradelane.smtp.ca.file") ?? defaults.smtpCAFile
        c.smtpTimeoutSeconds = config.int(forKey: "tradelane.smtp.timeout.seconds", default: defaults.smtpTimeoutSeconds)
        c.jobConcurrency = config.int(forKey: "tradelane.job.concurrency", default: defaults.jobConcurrency)
        if let hosts = config.string(forKey: "tradelane.image.hosts") {
            c.imageHosts = hosts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        }
        return c
    }

    /// The image hosts, each a plain host name (with an optional port): anything else could widen the page's
    /// Content-Security-Policy, so it stops start-up naming the variable.
    public func validatedImageHosts() throws -> [String] {
        for host in imageHosts where !AppConfig.isPlainHost(host) {
            throw ConfigError.invalid("TRADELANE_IMAGE_HOSTS: \"\(host)\" is not a host name (letters, digits, dots, hyphens, optional :port)")
        }
        return imageHosts
    }

    static func isPlainHost(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let name = parts.first, name.count <= 253, name.contains("."),
              !name.hasPrefix("."), !name.hasSuffix("."), !name.hasPrefix("-"),
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else { return false }
        if parts.count == 2 { guard let port = Int(parts[1]), (1...65535).contains(port) else { return false } }
        return true
    }

    /// The SMTP settings when e-mail is configured (both URL and sender), nil when not; a malformed value is a
    /// start-up error naming the variable, never echoing its value.
    public func smtpSettings() throws -> SMTPSettings? {
        guard let url = smtpURL, !url.isEmpty else { return nil }
        guard let from = smtpFrom, !from.isEmpty else { throw ConfigError.invalid("TRADELANE_SMTP_FROM is required when TRADELANE_SMTP_URL is set") }
        do {
            var s = try SMTPSettings.parse(url: url, from: from)
            let timeout = TimeInterval(max(1, min(smtpTimeoutSeconds, 300)))
            s.connectTimeout = timeout
            s.replyTimeout = timeout
            if let path = smtpCAFile, !path.isEmpty {
                guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ConfigError.invalid("TRADELANE_SMTP_CA_FILE \(path) cannot be read")
                }
                s.trustRootsPEM = pem
            }
            return s
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError.invalid(String(describing: error))
        }
    }

    /// The master key: from config, or (demo mode only) a key file generated in the data dir.
    public func resolveMasterKey(warn: (String) -> Void) throws -> String {
        if let k = masterKey, !k.isEmpty { return k }
        guard mode == .demo else { throw ConfigError.masterKeyRequired }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent("master.key")
        if let existing = try? String(contentsOf: path, encoding: .utf8), !existing.isEmpty {
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let key = FieldCipher.generateMasterKey()
        try (key + "\n").write(to: path, atomically: true, encoding: .utf8)
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path.path)
        warn("TRADELANE_MASTER_KEY is not set: generated a demo key at \(path.path). Production mode requires the variable.")
        return key
    }
}

public enum ConfigError: Error, CustomStringConvertible {
    case masterKeyRequired
    case invalid(String)
    public var description: String {
        switch self {
        case .masterKeyRequired: "TRADELANE_MASTER_KEY is required in production mode (32 random bytes, base64 or hex)."
        case .invalid(let s): s
        }
    }
}

extension AppConfig {
    /// Webhook settings from this configuration; `eventTypes` are those the modules publish.
    func webhookSettings(eventTypes: [String]) -> WebhookSettings {
        var s = WebhookSettings(allowPrivateNetworks: webhooksAllowPrivateNetworks, eventTypes: eventTypes)
        s.requestTimeout = TimeInterval(max(1, min(webhookTimeoutSeconds, 60)))
        return s
    }
}
