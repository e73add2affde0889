import ArgumentParser
import Compliance
import Foundation
import Kernel
import Logging
import Parties
import Web

@main
struct Tradelane: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradelane",
        abstract: "Tradelane — cross-border e-commerce service platform.",
        subcommands: [Serve.self, Migrate.self, Demo.self, Keys.self, Audit.self, Jobs.self, ComplianceCommand.self, FX.self,
                      PermissionsCommand.self]
    )
}

struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory (default ./tradelane-data or TRADELANE_DATA_DIR).")
    var dataDir: String?
    @Option(name: .long, help: "Database URL: sqlite:///path or postgres://user:pw@host:port/db (or TRADELANE_DATABASE_URL).")
    var databaseURL: String?

    func config(mode: AppConfig.Mode? = nil, port: Int? = nil) -> AppConfig {
        var env = ProcessInfo.processInfo.environment
        if let dataDir { env["TRADELANE_DATA_DIR"] = dataDir }
        if let databaseURL { env["TRADELANE_DATABASE_URL"] = databaseURL }
        if let port { env["TRADELANE_PORT"] = String(port) }
        if let mode { env["TRADELANE_MODE"] = mode.rawValue }
        return AppConfig.fromEnvironment(env)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrate and serve the API and console.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Port (default 8080 or TRADELANE_PORT).") var port: Int?

    func run() async throws {
        let config = common.config(port: port)
        let logger = Runtime.logger(config)
        let services = try await Runtime.open(config, logger: logger)
        logger.info("serving on http://\(config.host):\(config.port) (\(services.db.engine.rawValue): \(services.db.location))")
        try await Runtime.serve(services, logger: logger)
        await services.db.close()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations (idempotent).")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config = common.config()
        let services = try await Runtime.open(config, logger: Runtime.logger(config))
        let applied = try await services.migrator.migrate(services.db)
        if applied.isEmpty { say("schema is up to date") }
        for a in applied { say("applied \(a.module) #\(a.version): \(a.name)") }
        await services.db.close()
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create demo data in the data directory, print logins and serve.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Port (default 8080).") var port: Int?
    @Flag(help: "Accepted for scripts; the demo never opens a browser.") var noBrowser = false
    @Flag(help: "Seed and exit without serving.") var seedOnly = false

    func run() async throws {
        let config = common.config(mode: .demo, port: port)
        let logger = Runtime.logger(config)
        let services = try await Runtime.open(config, logger: logger)
        let seeded: Bool
        do {
            try await services.prepare()
            seeded = try await DemoData.seed(services)
        } catch {
            // Close first: the SQLite driver traps on connections dropped while open, which would hide the error.
            await services.db.close()
            throw error
        }
        say(seeded ? "Demo data created in \(config.dataDirectory)" : "Demo data already present in \(config.dataDirectory)")
        say("Console: http://\(config.host):\(config.port)/console   (password for every demo login: \(DemoData.password))")
        for l in DemoData.logins { say("  \(l.role.padding(toLength: 40, withPad: " ", startingAt: 0)) \(l.email)") }
        if seedOnly { await services.db.close(); return }
        try await Runtime.serve(services, logger: logger)
        await services.db.close()
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key and print only the key on stdout.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Role: \(Role.allCases.map(\.rawValue).joined(separator: ", "))") var role: String
        @Option(help: "Merchant ID for merchant roles.") var merchant: String?
        @Option(help: "A name to recognise the key by.") var name: String = "cli"

        func run() async throws {
            let config = common.config()
            var logger = Runtime.logger(config)
            logger.logLevel = .error
            let services = try await Runtime.open(config, logger: logger)
            try await services.migrator.migrate(services.db)
            do {
                let (_, token) = try await services.parties.access.createKey(name: name, role: role, merchantId: merchant, by: .system("cli"))
                say(token)
                await services.db.close()
            } catch let e as any AppError {
                await services.db.close()
                let fields = e.fieldErrors.map { "\($0.field): \($0.message.en)" }.joined(separator: "; ")
                throw ValidationError(fields.isEmpty ? e.detail.en : fields)
            }
        }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Audit log tools.", subcommands: [Verify.self, Checkpoint.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the audit hash chain and its keyed checkpoints; exit 1 naming what is wrong. A passing chain is checkpointed.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "Also fail when there is no checkpoint to verify against.") var requireCheckpoint = false

        func run() async throws {
            let config = common.config()
            let services = try await Runtime.open(config, logger: Runtime.logger(config))
            let report: AuditAnchor.Report
            do {
                report = try await services.auditAnchor.verify()
            } catch {
                await services.db.close()
                throw error
            }
            var failed = false
            switch report.chain {
            case .intact(let n, let head):
                say("audit chain intact: \(n) entries, head \(head)")
            case .broken(let seq, let reason):
                say("audit chain BROKEN at entry \(seq): \(reason)")
                failed = true
            }
            for p in report.problems {
                say("audit checkpoints FAILED: \(p.description)")
                failed = true
            }
            if let c = report.latest {
                say("checked against \(report.checkpoints) checkpoint(s) in \(config.auditCheckpointPath); longest: \(c.count) entries at \(c.time.rfc3339)")
            } else {
                say("no checkpoint yet in \(config.auditCheckpointPath): truncation cannot be detected before the first one")
                if requireCheckpoint { failed = true }
            }
            if !failed, case .intact(let n, let head) = report.chain {
                do {
                    let c = try services.auditAnchor.write(entries: n, head: head)
                    say("checkpoint written: \(c.count) entries at \(c.time.rfc3339)")
                } catch {
                    say("could not write a checkpoint: \(error)")
                }
            }
            await services.db.close()
            if failed { throw ExitCode(1) }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append a keyed checkpoint of the audit chain's head to the checkpoint file (after checking the new entries).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = common.config()
            let services = try await Runtime.open(config, logger: Runtime.logger(config))
            let outcome: AuditAnchor.Outcome
            do {
                outcome = try await services.auditAnchor.checkpoint()
            } catch {
                await services.db.close()
                throw error
            }
            await services.db.close()
            switch outcome {
            case .written(let c):
                say("checkpoint written to \(config.auditCheckpointPath): \(c.count) entries, head \(c.head)")
            case .refused(let why):
                say("checkpoint REFUSED: \(why)")
                throw ExitCode(1)
            }
        }
    }
}

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Job queue tools: probe that every instance's worker runs jobs, exactly once.",
        subcommands: [Probe.self, ProbeStatus.self])

    struct Probe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue N system.probe jobs (a transaction per thousand) and print the batch name on stdout.",
            discussion: "Every running instance's worker picks them up; `tradelane jobs probe-status --batch NAME` shows the outcome.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Number of probe jobs (1…\(SystemProbe.maxCount)).") var count: Int
        @Option(help: "Batch name (letters, digits, '.', '_', '-'; default: a new one). Enqueueing an existing batch adds only missing numbers.")
        var batch: String?

        func run() async throws {
            try await Jobs.withServices(common) { services in
                let (batch, added) = try await SystemProbe(queue: services.jobs).enqueue(count: count, batch: batch)
                FileHandle.standardError.write(Data("enqueued \(added) probe job(s)\n".utf8))
                say(batch)
            }
        }
    }

    struct ProbeStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "probe-status",
            abstract: "Print a probe batch's state as JSON: enqueued, done, pending, running, dead, retried, effects, duplicates, workers.",
            discussion: "Healthy: done == enqueued == effects, duplicates == 0, dead == 0, and every instance listed under workers.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Batch name printed by `tradelane jobs probe`.") var batch: String

        func run() async throws {
            try await Jobs.withServices(common) { services in
                let status = try await SystemProbe(queue: services.jobs).status(batch: batch)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                say(String(decoding: try encoder.encode(status), as: UTF8.self))
            }
        }
    }

    /// Opens the database (migrating, as `keys create` does), runs `body`, closes; validation errors become usage errors.
    static func withServices(_ common: CommonOptions, _ body: (AppServices) async throws -> Void) async throws {
        let config = common.config()
        var logger = Runtime.logger(config)
        logger.logLevel = .error
        let services = try await Runtime.open(config, logger: logger)
        do {
            try await services.migrator.migrate(services.db)
            try await body(services)
            await services.db.close()
        } catch let e as any AppError {
            await services.db.close()
            let fields = e.fieldErrors.map { "\($0.field): \($0.message.en)" }.joined(separator: "; ")
            throw ValidationError(fields.isEmpty ? e.detail.en : fields)
        } catch {
            await services.db.close()
            throw error
        }
    }
}

/// Unbuffered stdout: printed logins and keys reach pipes and log files at once.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

struct ComplianceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compliance", abstract: "Listing-screening tools.",
                                                    subcommands: [Eval.self, Export.self, Rescreen.self])

    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Screen a labelled JSONL set and print precision, recall and accuracy per category (CMP7).")
        @Argument(help: "JSON Lines file, one labelled listing per line (see Tests/Fixtures/README.md).") var file: String
        @Option(help: "Catalogue CSV to use instead of the bundled default.") var catalogue: String?
        @Flag(help: "Exit 1 when verdict accuracy is below 98%.") var strict = false

        func run() async throws {
            let items = try EvaluationReport.load(jsonLines: String(contentsOfFile: file, encoding: .utf8))
            var cat = try CatalogueCSV.bundled()
            if let catalogue { cat.entries = try CatalogueCSV.parseEntries(String(contentsOfFile: catalogue, encoding: .utf8)) }
            let report = try EvaluationReport.run(items, catalogue: cat)
            say(report.render())
            if strict && report.accuracy < 0.98 { throw ExitCode(1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the bundled default catalogue as CSV.")
        func run() async throws {
            FileHandle.standardOutput.write(Data(CatalogueCSV.export(try CatalogueCSV.bundled().entries).utf8))
        }
    }

    struct Rescreen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-screen every live listing of the given markets now, printing progress, time and peak memory.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Comma-separated markets (default: all).") var markets: String?
        @Option(help: "Listings per transaction.") var batch: Int = RescreenService.batchSize

        func run() async throws {
            let config = common.config()
            let services = try await Runtime.open(config, logger: Runtime.logger(config))
            try await services.prepare()
            let system = Principal(actorId: "system:cli", userId: nil, merchantId: nil, role: .operatorAdmin, channel: .system)
            let ms = markets.map { $0.split(separator: ",").map(String.init) }
            let started = ContinuousClock.now
            let jobs = try await services.rescreens.enqueue(markets: ms, reason: "CLI re-screen", by: system)
            say("queued \(jobs.count) job(s): \(jobs.map { "\($0.market.rawValue) (\($0.total))" }.joined(separator: ", "))")
            var processed = 0
            while let job = try await services.rescreens.runNext(batchSize: batch, progress: { j in
                if j.processed % (batch * 20) == 0 { say("  \(j.market.rawValue): \(j.processed)/\(j.total) (\(j.percent)%)") }
            }) {
                processed += job.processed
                say("\(job.market.rawValue): \(job.processed) listings, \(job.changed) changed, \(job.casesOpened) takedown cases")
            }
            let seconds = Double((ContinuousClock.now - started).components.seconds)
                + Double((ContinuousClock.now - started).components.attoseconds) / 1e18
            say(String(format: "re-screened %d listings in %.1f s (%.0f/s), peak RSS %d MiB", processed, seconds,
                       seconds > 0 ? Double(processed) / seconds : 0, peakResidentMiB()))
            await services.db.close()
        }
    }
}

/// Peak resident set size of this process (Linux /proc; 0 elsewhere).
func peakResidentMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb / 1024
}

struct FX: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fx", abstract: "Euro reference exchange rates.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an ECB eurofxref file (eurofxref-daily.xml or eurofxref-hist-90d.xml); re-importing a day replaces it.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Path to the XML file as downloaded from https://www.ecb.europa.eu/stats/eurofxref/.") var file: String

        func run() async throws {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let config = common.config()
            let services = try await Runtime.open(config, logger: Runtime.logger(config))
            do {
                try await services.migrator.migrate(services.db)
                let days = try await services.fx.importECB(data)
                say("imported \(days.count) day(s) of ECB reference rates, latest \(days.first.map(\.description) ?? "-")")
            } catch {
                await services.db.close()
                throw error
            }
            await services.db.close()
        }
    }
}
