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

/// Issue 10, K3: console sessions end when idle.
extension SecurityHardeningTests {
    @Test func consoleSessionsEndWhenIdle() async throws {
        try await WebHarness.with { h, c in
            try await seedUser(h)
            var b = Browser()
            _ = try await b.login(c, "reviewer@tl.cn", "reviewer password")
            h.clock.advance(by: 25 * 60)
            #expect(try await b.send(c, .get, "/console").status == .ok)
            h.clock.advance(by: 25 * 60)
            #expect(try await b.send(c, .get, "/console").status == .ok)
            h.clock.advance(by: 31 * 60)
            let idle = try await b.send(c, .get, "/console")
            #expect(idle.status == .seeOther && idle.location == "/console/login")
        }
    }
}
