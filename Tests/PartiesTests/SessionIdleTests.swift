import Foundation
import Kernel
import Parties
import Testing
import TestSupport

/// K3: console sessions end after an idle period, within their absolute lifetime (issue 10).
@Suite struct SessionIdleTests {
    @Test func idleSessionsEndAndActiveOnesLiveToTheirAbsoluteLifetime() async throws {
        try await Harness.with { h in
            _ = try await h.parties.users.create(UserInput(email: "idle@shop.cn", displayName: "Idle", password: "correct horse battery",
                                                           role: "finance"), by: h.op)
            #expect(h.parties.context.settings.sessionIdleTimeout == 30 * 60)
            // Used every 20 minutes: alive until the 12-hour absolute lifetime.
            let active = try #require(try await h.parties.access.login(email: "idle@shop.cn", password: "correct horse battery"))
            for _ in 0..<35 {
                h.clock.advance(by: 20 * 60)
                #expect(try await h.parties.access.session(forToken: active.token) != nil)
            }
            h.clock.advance(by: 20 * 60)   // 12 h
            #expect(try await h.parties.access.session(forToken: active.token) == nil)
            // Left alone for 31 minutes: gone, although far from the absolute lifetime.
            let idle = try #require(try await h.parties.access.login(email: "idle@shop.cn", password: "correct horse battery"))
            h.clock.advance(by: 29 * 60)
            #expect(try await h.parties.access.session(forToken: idle.token) != nil)
            h.clock.advance(by: 31 * 60)
            #expect(try await h.parties.access.session(forToken: idle.token) == nil)
        }
    }
}
