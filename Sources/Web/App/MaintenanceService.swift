import Foundation
import Kernel
import Logging
import Parties
import ServiceLifecycle

/// Hourly housekeeping next to the HTTP server: idempotency records older than 48 h
/// (kept ≥ 24 h per DESIGN) and expired sessions are deleted.
struct MaintenanceService: Service {
    let services: AppServices
    let logger: Logger
    var interval: Duration = .seconds(3600)

    func run() async throws {
        await runPeriodically(every: interval) { _ in await runOnce() }
    }

    func runOnce() async {
        do {
            try await services.idempotency.purge(olderThan: 48 * 3600)
            try await services.parties.access.purgeExpiredSessions()
        } catch {
            logger.error("maintenance failed", metadata: ["error": "\(error)"])
        }
    }
}
