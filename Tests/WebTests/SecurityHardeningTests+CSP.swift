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

/// Issue 10: the CSP forbids <base> and foreign form targets.
extension SecurityHardeningTests {
    @Test func cspForbidsBaseAndForeignFormTargets() async throws {
        try await WebHarness.with { _, c in
            let csp = try await c.execute(uri: "/console/login", method: .get, headers: [.accept: "text/html"]) { $0.headers[.contentSecurityPolicy] }
            #expect(csp?.contains("base-uri 'none'") == true && csp?.contains("form-action 'self'") == true)
        }
    }
}
