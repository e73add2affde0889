import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
import NIOCore
import Parties
import SQLKit
import Testing
import TestSupport
@testable import Web

/// Issue 10: over-long URIs get problem+json 414.
extension SecurityHardeningTests {
    @Test func overlongURIsGetProblemJSON414() async throws {
        try await WebHarness.with { h, c in
            let long = "/api/v1/merchants?q=" + String(repeating: "a", count: 9 * 1024)
            let r = try await c.call(.get, long, key: h.operatorKey)
            #expect(r.status == .uriTooLong && r.json.str("code") == "uri-too-long")
            #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(try await c.call(.get, "/api/v1/merchants?q=" + String(repeating: "a", count: 7 * 1024), key: h.operatorKey).status == .ok)
        }
    }

    /// Through the real HTTP/1 parser: a 100,000-character URL used to get a bare 400 before the router ran.
    @Test func aHundredThousandCharacterURLGetsProblemJSONFromTheLiveServer() async throws {
        try await TestDatabase.with(migrations: AllMigrations.list) { db in
            var config = AppConfig(bcryptCost: 4)
            config.masterKey = TestFixtures.masterKey
            let services = AppServices(db: db, clock: FixedClock(TestFixtures.start), cipher: TestFixtures.cipher, config: config)
            try await services.prepare()
            let app = Application(router: try await buildRouter(services), server: HTTPLimits.server,
                                  configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let uri = "/console/merchants?q=" + String(repeating: "x", count: 100_000)
                try await client.execute(uri: uri, method: .get) { res in
                    #expect(res.status == .uriTooLong)
                    #expect(res.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                    #expect(String(buffer: res.body).contains("\"code\":\"uri-too-long\""))
                }
            }
        }
    }
}
