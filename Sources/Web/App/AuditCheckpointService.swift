import Foundation
import Kernel
import Logging
import ServiceLifecycle

/// Writes a keyed audit checkpoint (K5) every `TRADELANE_AUDIT_CHECKPOINT_INTERVAL` seconds (default 300) next to the
/// HTTP server, after checking that the chain still extends the previous one; a refusal is logged as an error and
/// shows in `/metrics` (`tradelane_audit_checkpoint_ok 0`).
struct AuditCheckpointService: Service {
    let services: AppServices
    let logger: Logger

    func run() async throws {
        let seconds = services.config.auditCheckpointInterval
        guard seconds > 0 else { return }
        await runPeriodically(every: .seconds(seconds)) { _ in await runOnce() }
    }

    func runOnce() async {
        do {
            switch try await services.auditAnchor.checkpoint() {
            case .written(let c):
                logger.debug("audit checkpoint written", metadata: ["entries": "\(c.count)", "head": "\(c.head)"])
            case .refused(let why):
                logger.error("audit checkpoint refused: the chain does not extend the last checkpoint", metadata: ["reason": "\(why)"])
            }
        } catch {
            logger.error("audit checkpoint failed", metadata: ["error": "\(error)"])
        }
    }
}
