import Foundation
import Hummingbird
import Kernel
import Logging
import NIOCore
import Parties
import Synchronization

/// Assembles router, middleware, API and console over the given services.
public func buildApplication(_ services: AppServices, logger: Logger = Logger(label: "tradelane")) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(services)
    return Application(
        router: router,
        server: HTTPLimits.server,
        configuration: .init(address: .hostname(services.config.host, port: services.config.port), serverName: "tradelane"),
        services: [MaintenanceService(services: services, logger: logger), ComplianceWorker(services: services, logger: logger),
                   AuditCheckpointService(services: services, logger: logger), JobWorker(services: services, logger: logger)],
        logger: logger
    )
}

public func buildRouter(_ services: AppServices) async throws -> Router<AppRequestContext> {
    let views = try await Views.load()
    // HEAD answers every GET route with its headers and no body (issue 12 item 12).
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    let methods = Mutex<RouteMethods?>(nil)
    router.addMiddleware {
        ObservabilityMiddleware(metrics: services.metrics)
        ProblemMiddleware(views: views)
        MethodNotAllowedMiddleware(table: { methods.withLock { $0 } })
        URILimitMiddleware()
        AuthMiddleware(access: services.parties.access)
        ConsoleErrorMiddleware(services: services, views: views)
    }
    SystemAPI(services: services, openAPI: try OpenAPIDocument.load()).register(on: router)

    let api = router.group("api/v1").add(middleware: IdempotencyMiddleware(store: services.idempotency))
    PartiesAPI(services: services).register(on: api)
    ComplianceAPI(services: services).register(on: api)
    CatalogueAPI(services: services).register(on: api)
    EnforcementAPI(services: services).register(on: api)
    OperationsAPI(services: services).register(on: api)
    WebhooksAPI(services: services).register(on: api)
    NotificationsAPI(services: services).register(on: api)

    ConsoleRoutes(services: services, views: views).register(on: router)
    methods.withLock { $0 = RouteMethods(router.routes) }
    return router
}
