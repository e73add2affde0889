import Foundation
import Hummingbird
import Kernel
import Testing
import TestSupport
import Web
import Yams

/// The served OpenAPI document covers every route, and every request body has an example.
@Suite struct OpenAPITests {
    static func spec() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Web/Resources/openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    @Test func everyRouteIsDocumented() async throws {
        try await TestDatabase.with(migrations: AllMigrations.list) { db in
            let services = AppServices(db: db, clock: FixedClock(TestFixtures.start), cipher: TestFixtures.cipher, config: AppConfig(bcryptCost: 4))
            let router = try await buildRouter(services)
            let paths = try #require(try Self.spec()["paths"] as? [String: Any])
            var checked = 0
            for route in router.routes {
                let path = "\(route.path)"
                guard path.hasPrefix("/api/") || path.hasPrefix("/health") || path == "/metrics" else { continue }
                let openAPIPath = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                let item = paths["/" + openAPIPath.drop { $0 == "/" }] as? [String: Any]
                #expect(item?[route.method.rawValue.lowercased()] != nil, "undocumented: \(route.method) \(path)")
                checked += 1
            }
            #expect(checked >= 25)
        }
    }

    @Test func everyRequestBodyHasAnExample() throws {
        let paths = try #require(try Self.spec()["paths"] as? [String: [String: Any]])
        var bodies = 0
        for (path, item) in paths {
            for (method, op) in item {
                guard let op = op as? [String: Any], let body = op["requestBody"] as? [String: Any],
                      let content = body["content"] as? [String: Any] else { continue }
                for (media, value) in content {
                    let m = value as? [String: Any] ?? [:]
                    let hasExample = m["example"] != nil || m["examples"] != nil
                    #expect(hasExample, "\(method) \(path) \(media) has no example")
                    bodies += 1
                }
            }
        }
        #expect(bodies >= 10)
    }
}
