import Prometheus
import Logging
import SQLKit
import Foundation
import Hummingbird
import Kernel
import NIOCore
import Parties

/// Health, metrics and the OpenAPI document.
struct SystemAPI {
    let services: AppServices
    let openAPI: ByteBuffer

    func register(on router: Router<AppRequestContext>) {
        router.get("health/live") { _, _ in try JSONIO.response(["status": "ok"]) }
        router.get("health/ready", use: ready)
        router.get("metrics", use: metrics)
        router.get("api/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: openAPI))
        }
    }

    /// Ready when the database answers and no migration is pending.
    func ready(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        do {
            try await services.db.read { try await $0.raw("SELECT 1").run() }
            let pending = try await services.migrator.pending(services.db)
            guard pending.isEmpty else {
                return try JSONIO.response(["status": "migrations-pending", "pending": pending.map { "\($0.module)#\($0.version)" }.joined(separator: ",")],
                                           status: .serviceUnavailable)
            }
            return try JSONIO.response(["status": "ready", "database": services.db.engine.rawValue])
        } catch {
            c.logger.error("readiness check failed", metadata: ["error": "\(error)"])
            return try JSONIO.response(["status": "database-unavailable"], status: .serviceUnavailable)
        }
    }

    /// Prometheus text format: request metrics plus business gauges read at scrape time.
    func metrics(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let system = Principal.system("metrics")
        for status in MerchantStatus.allCases {
            let n = try await services.parties.merchants.count(status: status, by: system)
            services.metrics.setGauge("merchants", help: "Merchants by status", labels: [("status", status.rawValue)], Double(n))
        }
        for status in KYCStatus.allCases where status.isOpen {
            let n = try await services.parties.kyc.count(status: status, by: system)
            services.metrics.setGauge("kyc_submissions_open", help: "Open KYC submissions by status", labels: [("status", status.rawValue)], Double(n))
        }
        var buffer: [UInt8] = []
        services.metrics.registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}
