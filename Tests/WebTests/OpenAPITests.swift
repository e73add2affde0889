import Foundation
import Hummingbird
import Kernel
import Testing
import TestSupport
import Web
import Yams

/// The served OpenAPI document covers every route, and every request body has an example.
@Suite struct OpenAPITests {
    /// The document the server serves, assembled from the per-module files (issue 11 item 5).
    static func spec() throws -> [String: Any] {
        try #require(try Yams.load(yaml: try OpenAPIDocument.text()) as? [String: Any])
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

    /// A list that takes `after` answers a `next` the schema allows to be a string (schemathesis found one that
    /// still said always-null after it learnt to page).
    @Test func everyPagedListDocumentsItsNextCursor() throws {
        let spec = try Self.spec()
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        let schemas = try #require((spec["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let parameters = (spec["components"] as? [String: Any])?["parameters"] as? [String: Any] ?? [:]
        func name(_ p: Any) -> String? {
            guard let p = p as? [String: Any] else { return nil }
            if let ref = p["$ref"] as? String { return (parameters[String(ref.split(separator: "/").last!)] as? [String: Any])?["name"] as? String }
            return p["name"] as? String
        }
        var paged = 0
        for (path, item) in paths {
            for (method, op) in item {
                guard let op = op as? [String: Any], (op["parameters"] as? [Any] ?? []).contains(where: { name($0) == "after" }) else { continue }
                let ok = ((op["responses"] as? [String: Any])?["200"] as? [String: Any])?["content"] as? [String: Any]
                var schema = (ok?["application/json"] as? [String: Any])?["schema"] as? [String: Any] ?? [:]
                if let ref = schema["$ref"] as? String { schema = schemas[String(ref.split(separator: "/").last!)] as? [String: Any] ?? [:] }
                var next = (schema["properties"] as? [String: Any])?["next"] as? [String: Any]
                if let ref = next?["$ref"] as? String { next = schemas[String(ref.split(separator: "/").last!)] as? [String: Any] }
                let types = (next?["type"] as? [String]) ?? [(next?["type"] as? String) ?? ""]
                #expect(types.contains("string"), "\(method) \(path): next is \(types)")
                paged += 1
            }
        }
        #expect(paged >= 15)
    }
}

/// Issue 11 item 5: the document is kept per module and assembled into one.
@Suite struct OpenAPIAssemblyTests {
    @Test func everyModuleFileIsAssembledAndNoPathIsDescribedTwice() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Web/Resources/openapi")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("paths-") }.sorted()
        #expect(files == OpenAPIDocument.modules.map { "paths-\($0).yaml" }.sorted())
        let paths = try #require(try OpenAPITests.spec()["paths"] as? [String: Any])
        var total = 0
        for file in files {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            let own = try #require((try Yams.load(yaml: text) as? [String: Any])?["paths"] as? [String: Any])
            for key in own.keys { #expect(paths[key] != nil, "\(file): \(key) missing from the served document") }
            total += own.count
        }
        #expect(total == paths.count && total >= 70)   // 77 paths today
        // Served with its shared parts: components and tags come from openapi.yaml.
        let spec = try OpenAPITests.spec()
        #expect((spec["components"] as? [String: Any])?["schemas"] != nil && spec["openapi"] as? String == "3.1.0")
    }
}
