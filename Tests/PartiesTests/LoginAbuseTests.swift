import Foundation
import Kernel
import Parties
import SQLKit
import Testing
import TestSupport

/// K3, issue 10 item 7: login throttling per account and per address (state in the database),
/// one bcrypt cost for real and dummy hashes, and no log-in with a different tail after byte 72.
@Suite struct LoginAbuseTests {
    static let password = "correct horse battery"

    func user(_ h: Harness, _ email: String = "chen@shop.cn", password: String = Self.password) async throws -> User {
        try await h.parties.users.create(UserInput(email: email, displayName: "Chen", password: password, role: "compliance-officer"), by: h.op)
    }

    /// Attempts a login; "throttled" when the service answers 429.
    func attempt(_ h: Harness, _ email: String, _ password: String, from address: String? = nil) async throws -> String {
        do {
            return try await h.parties.access.login(email: email, password: password, clientAddress: address) == nil ? "wrong" : "ok"
        } catch is LoginThrottled {
            return "throttled"
        }
    }

    @Test func sixtyWrongPasswordsThenTheRightOneIsRefused() async throws {
        try await Harness.with { h in
            _ = try await user(h)
            var outcomes: [String] = []
            for i in 0..<60 { outcomes.append(try await attempt(h, "chen@shop.cn", "wrong password \(i)", from: "203.0.113.7")) }
            #expect(outcomes.prefix(5).allSatisfy { $0 == "wrong" })
            #expect(outcomes.dropFirst(5).allSatisfy { $0 == "throttled" })
            // The attack of the report: the right password right after the burst does not get in.
            #expect(try await attempt(h, "chen@shop.cn", Self.password, from: "198.51.100.9") == "throttled")
            let error = await #expect(throws: LoginThrottled.self) {
                try await h.parties.access.login(email: "chen@shop.cn", password: Self.password)
            }
            #expect((error?.retryAfter ?? 0) > 0 && (error?.retryAfter ?? 0) <= 60)
            #expect(error?.kind.status == 429)
            #expect(error?.detail(.zh).contains("分钟后再试") == true && error?.detail(.en).contains("Try again in 1 minute") == true)
            // After the block the owner gets in, and the success clears the account's count.
            h.clock.advance(by: 61)
            #expect(try await attempt(h, "chen@shop.cn", Self.password) == "ok")
            for i in 0..<4 { #expect(try await attempt(h, "chen@shop.cn", "wrong again \(i)") == "wrong") }
            #expect(try await attempt(h, "chen@shop.cn", Self.password) == "ok")
        }
    }

    @Test func blocksGrowExponentiallyAndAreForgottenAfterTheWindow() {
        let policy = LoginThrottlePolicy.account
        var state: ThrottleState?
        var now: Int64 = 1_000_000
        var blocks: [Int] = []
        for _ in 0..<9 {
            state = policy.afterFailure(state, nowMillis: now)
            blocks.append(policy.retryAfter(state, nowMillis: now) ?? 0)
            now += Int64(blocks.last!) * 1000
        }
        #expect(blocks == [0, 0, 0, 0, 60, 120, 240, 480, 960])
        for _ in 0..<5 { state = policy.afterFailure(state, nowMillis: now); now += Int64(policy.retryAfter(state, nowMillis: now) ?? 0) * 1000 }
        #expect(policy.retryAfter(state, nowMillis: now - 1000) == 1)
        #expect(state.map { Int(($0.blockedUntil! - $0.lastFailureAt) / 1000) } == 3600)
        // An hour without failures after the block: the count starts again.
        let later = policy.afterFailure(state, nowMillis: now + 3_601_000)
        #expect(later.failures == 1 && later.blockedUntil == nil)
    }

    @Test func unknownEmailsAreThrottledLikeRealOnes() async throws {
        try await Harness.with { h in
            _ = try await user(h)
            var known: [String] = [], unknown: [String] = []
            for i in 0..<7 {
                known.append(try await attempt(h, "chen@shop.cn", "nope \(i)"))
                unknown.append(try await attempt(h, "ghost@shop.cn", "nope \(i)"))
            }
            #expect(known == unknown && known.last == "throttled")
            // The table holds digests, not the e-mails.
            let keys = try await h.db.read { try await $0.select().column("throttle_key").from("login_throttle").all()
                .map { try $0.decode(column: "throttle_key", as: String.self) } }
            #expect(keys.count == 2 && !keys.contains { $0.contains("@") || $0.contains("shop") })
            // Housekeeping drops the rows once the block is over and the failures are forgotten.
            h.clock.advance(by: 30 * 60)
            try await h.parties.access.purgeExpiredSessions()
            #expect(try await h.db.read { try await $0.select().column("throttle_key").from("login_throttle").all().count } == 2)
            h.clock.advance(by: 2 * 3600)
            try await h.parties.access.purgeExpiredSessions()
            #expect(try await h.db.read { try await $0.select().column("throttle_key").from("login_throttle").all().count } == 0)
        }
    }

    @Test func oneAddressGuessingManyAccountsIsBlocked() async throws {
        try await Harness.with { h in
            _ = try await user(h)
            for i in 0..<20 { #expect(try await attempt(h, "user\(i)@shop.cn", "spray password", from: "203.0.113.50") == "wrong") }
            // The 21st account from that address is refused before any password check, even the right one.
            #expect(try await attempt(h, "chen@shop.cn", Self.password, from: "203.0.113.50") == "throttled")
            #expect(try await attempt(h, "chen@shop.cn", Self.password, from: "203.0.113.51") == "ok")
        }
    }

    @Test func throttleStateIsSharedByInstancesOnOneDatabase() async throws {
        try await Harness.with { h in
            _ = try await user(h)
            var settings = PartiesSettings()
            settings.bcryptCost = 4
            let other = PartiesServices(PartiesContext(db: h.db, clock: h.clock, cipher: TestFixtures.cipher, settings: settings))
            for i in 0..<5 { _ = try await h.parties.access.login(email: "chen@shop.cn", password: "wrong \(i)") }
            await #expect(throws: LoginThrottled.self) { try await other.access.login(email: "chen@shop.cn", password: Self.password) }
        }
    }

    @Test func passwordsOverSeventyTwoBytesAreRefusedAndTheirTailCannotLogIn() async throws {
        try await Harness.with { h in
            let prefix = String(repeating: "密", count: 24)                  // 72 bytes in UTF-8
            let long = prefix + "码很长的尾巴"                                  // 90 bytes: bcrypt would ignore the tail
            let refused = await #expect(throws: ValidationError.self) { try await user(h, "long@shop.cn", password: long) }
            #expect(refused?.fieldErrors.map(\.field) == ["password"] && refused?.fieldErrors.first?.code == "too-long")
            #expect(refused?.fieldErrors.first?.message(.zh).contains("72 字节") == true)
            // Exactly 72 bytes is accepted and works.
            _ = try await user(h, "edge@shop.cn", password: prefix)
            #expect(try await attempt(h, "edge@shop.cn", prefix) == "ok")
            // An account whose hash was made from the long password before the limit: the report's attack
            // (same first 72 bytes, another tail) fails, as does any password over 72 bytes.
            let legacy = try await user(h, "legacy@shop.cn")
            let legacyHash = try await h.parties.context.passwords.hash(long)
            try await h.db.transaction { try await $0.update("users").set("password_hash", to: legacyHash).where("id", .equal, legacy.id.rawValue).run() }
            #expect(try await attempt(h, "legacy@shop.cn", prefix + "完全不同的尾部") == "wrong")
            #expect(try await attempt(h, "legacy@shop.cn", long) == "wrong")
        }
    }

    @Test func theDummyHashHasTheCostOfRealHashes() async throws {
        try await Harness.with { h in
            _ = try await user(h)
            let real = try await h.db.read { try await $0.select().column("password_hash").from("users").first()!.decode(column: "password_hash", as: String.self) }
            let hasher = h.parties.context.passwords
            // "$2b$04$…": the cost is the second field of a bcrypt hash.
            let cost = { (hash: String) in hash.split(separator: "$").dropFirst().first }
            #expect(cost(real) == cost(hasher.dummyHash) && cost(real) == "04")
            #expect(PasswordHasher(cost: 6).dummyHash.split(separator: "$")[1] == "06")
            #expect(try await hasher.verify("anything at all", hash: nil) == false)
        }
    }
}
