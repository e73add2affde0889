import Compliance
import Foundation
import Kernel
import Logging
import ServiceLifecycle

/// Keeps this instance's screening engine on the catalogue version in force (CMP1): follows versions approved on other
/// instances and rules coming into force. This is per-instance state, so it is a loop here, not a queued job; the
/// queued work (re-screens, certificate expiry, takedown escalation) runs on Kernel's job queue (`JobWorker`).
struct ComplianceWorker: Service {
    let services: AppServices
    let logger: Logger
    var interval: Duration = .seconds(2)

    func run() async throws {
        await runPeriodically(every: interval) { _ in await runOnce() }
    }

    func runOnce() async {
        do {
            try await services.catalogue.sync()
        } catch {
            logger.error("catalogue sync failed", metadata: ["error": "\(error)"])
        }
    }
}
