import Foundation
import Kernel
import Parties
import SQLKit
import Testing
import TestSupport

/// K3: users, roles, API keys and sessions.
@Suite struct AccessTests {
    @Test func apiKeysAreHashedShownOnceAndRevocable() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let (key, token) = try await h.parties.access.createKey(name: "erp", role: "merchant-staff", merchantId: m.id.rawValue, by: h.op)
            #expect(token.hasPrefix("tl_") && token.count > 40 && token.hasPrefix(key.prefix))
            let stored = try await h.db.read { try await $0.select().column("key_hash").from("api_keys").first()!.decode(column: "key_hash", as: String.self) }
            #expect(stored == Digest.sha256Hex(token) && !stored.contains(token))
            let p = try await h.parties.access.principal(forToken: token)
            #expect(p?.role == .merchantStaff && p?.merchantId == m.id && p?.actorId == key.id.rawValue)
            #expect(try await h.parties.access.principal(forToken: token + "x") == nil)
            #expect(try await h.parties.access.principal(forToken: "garbage") == nil)
            _ = try await h.parties.access.revokeKey(key.id, by: h.op)
            #expect(try await h.parties.access.principal(forToken: token) == nil)
        }
    }

    @Test func leastPrivilegeForGrants() async throws {
        try await Harness.with { h in
            let a = try await h.merchant("A"), b = try await h.merchant("B")
            let adminA = h.principal(.merchantAdmin, merchant: a)
            _ = try await h.parties.access.createKey(name: "k", role: "merchant-staff", merchantId: nil, by: adminA)   // defaults to own merchant
            await #expect(throws: CommonError.self) { try await h.parties.access.createKey(name: "k", role: "operator-admin", merchantId: nil, by: adminA) }
            await #expect(throws: CommonError.self) { try await h.parties.access.createKey(name: "k", role: "merchant-admin", merchantId: b.id.rawValue, by: adminA) }
            await #expect(throws: CommonError.self) { try await h.parties.access.createKey(name: "k", role: "merchant-admin", merchantId: nil, by: h.op) }
            await #expect(throws: CommonError.self) { try await h.parties.access.createKey(name: "k", role: "finance", merchantId: a.id.rawValue, by: h.op) }
            await #expect(throws: CommonError.self) {
                try await h.parties.access.createKey(name: "k", role: "merchant-staff", merchantId: nil, by: h.principal(.merchantStaff, merchant: a))
            }
            #expect(try await h.parties.access.listKeys(limit: nil, after: nil, by: adminA).items.count == 1)
            await #expect(throws: CommonError.denied(.apiKeysManage, role: .merchantStaff)) {
                try await h.parties.access.listKeys(limit: nil, after: nil, by: h.principal(.merchantStaff, merchant: a))
            }
        }
    }

    @Test func keysOfClosedMerchantsStopWorking() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let (_, token) = try await h.parties.access.createKey(name: "k", role: "merchant-admin", merchantId: m.id.rawValue, by: h.op)
            _ = try await h.parties.merchants.requestExit(m.id, reason: "bye", by: h.op)
            h.clock.advance(by: 31 * 86400)
            _ = try await h.parties.merchants.close(m.id, by: h.op)
            #expect(try await h.parties.access.principal(forToken: token) == nil)
        }
    }

    /// Issue 10 item 6: a key belongs to the person who made it and dies with their right to it.
    @Test func keysEndWhenTheirOwnerIsDemotedOrDisabled() async throws {
        try await Harness.with { h in
            let access = h.parties.access
            let alice = try await h.parties.users.create(UserInput(email: "alice@op.example", displayName: "Alice", password: "correct horse battery",
                                                                   role: "operator-admin", language: "en"), by: h.op)
            let aliceSession = try #require(try await access.login(email: "alice@op.example", password: "correct horse battery")).principal
            let (k1, t1) = try await access.createKey(name: "alice-1", role: "operator-admin", merchantId: nil, by: aliceSession)
            #expect(k1.ownerUserId == alice.id)
            // A key made with a key belongs to the same person, and names them as the principal's user.
            let viaKey = try #require(try await access.principal(forToken: t1))
            #expect(viaKey.userId == alice.id && viaKey.personId == alice.id.rawValue)
            let (k2, t2) = try await access.createKey(name: "alice-2", role: "operator-admin", merchantId: nil, by: viaKey)
            #expect(k2.ownerUserId == alice.id)
            let m = try await h.merchant()
            let (_, t3) = try await access.createKey(name: "for-m", role: "merchant-admin", merchantId: m.id.rawValue, by: viaKey)

            // Demoted: every key she made stops at once, including the merchant-admin key, and cannot mint new ones.
            _ = try await h.parties.users.update(alice.id, UserInput(role: "compliance-officer"), by: h.op)
            for t in [t1, t2, t3] { #expect(try await access.principal(forToken: t) == nil) }
            #expect(try await access.getKey(k1.id, by: h.op).revokedAt != nil)
            // Her console session carries the new role only.
            let again = try #require(try await access.login(email: "alice@op.example", password: "correct horse battery"))
            #expect(again.principal.role == .complianceOfficer)
            await #expect(throws: CommonError.self) {
                try await access.createKey(name: "x", role: "operator-admin", merchantId: nil, by: again.principal)
            }

            // Disabled: keys and sessions of the person end.
            let bob = try await h.parties.users.create(UserInput(email: "bob@op.example", displayName: "Bob", password: "correct horse battery",
                                                                 role: "operator-admin", language: "en"), by: h.op)
            let bobSession = try #require(try await access.login(email: "bob@op.example", password: "correct horse battery"))
            let (_, tb) = try await access.createKey(name: "bob", role: "finance", merchantId: nil, by: bobSession.principal)
            _ = try await h.parties.users.update(bob.id, UserInput(disabled: true), by: h.op)
            #expect(try await access.principal(forToken: tb) == nil)
            #expect(try await access.session(forToken: bobSession.token) == nil)
        }
    }

    /// A closed merchant's console sessions end with it (they used to keep working and writing).
    @Test func sessionsOfClosedMerchantsStopWorking() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            _ = try await h.parties.users.create(UserInput(email: "shop@m.example", displayName: "Shop", password: "correct horse battery",
                                                           role: "merchant-admin", merchantId: m.id.rawValue, language: "en"), by: h.op)
            _ = try await h.parties.merchants.requestExit(m.id, reason: "bye", by: h.op)
            h.clock.advance(by: 31 * 86400)
            let session = try #require(try await h.parties.access.login(email: "shop@m.example", password: "correct horse battery"))
            #expect(try await h.parties.access.session(forToken: session.token) != nil)
            _ = try await h.parties.merchants.close(m.id, by: h.op)
            #expect(try await h.parties.access.session(forToken: session.token) == nil)
        }
    }

    @Test func usersLogInWithBcryptAndSessionsExpire() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let u = try await h.parties.users.create(UserInput(email: "Chen@Shop.CN", displayName: "Chen", password: "correct horse battery",
                                                               role: "merchant-admin", merchantId: m.id.rawValue, language: "zh-CN"), by: h.op)
            #expect(u.email == "chen@shop.cn" && u.language == .zh)
            let hash = try await h.db.read { try await $0.select().column("password_hash").from("users").first()!.decode(column: "password_hash", as: String.self) }
            #expect(hash.hasPrefix("$2") && !hash.contains("horse"))
            #expect(try await h.parties.access.login(email: "chen@shop.cn", password: "wrong password!") == nil)
            #expect(try await h.parties.access.login(email: "nobody@shop.cn", password: "correct horse battery") == nil)
            let s = try #require(try await h.parties.access.login(email: "CHEN@shop.cn", password: "correct horse battery"))
            #expect(s.principal.merchantId == m.id && s.csrfToken.count >= 40)
            #expect(try await h.parties.access.session(forToken: s.token)?.user.id == u.id)
            h.clock.advance(by: 13 * 3600)
            #expect(try await h.parties.access.session(forToken: s.token) == nil)
            let dup = await #expect(throws: CommonError.self) {
                try await h.parties.users.create(UserInput(email: "chen@shop.cn", displayName: "C2", password: "another long one", role: "merchant-staff",
                                                           merchantId: m.id.rawValue), by: h.op)
            }
            #expect(dup?.code == "email-taken")
        }
    }

    @Test func disablingAUserEndsTheirSessions() async throws {
        try await Harness.with { h in
            let u = try await h.parties.users.create(UserInput(email: "ops@tl.cn", displayName: "Ops", password: "long enough pw", role: "finance"), by: h.op)
            let s = try #require(try await h.parties.access.login(email: "ops@tl.cn", password: "long enough pw"))
            await #expect(throws: CommonError.self) {
                try await h.parties.users.update(u.id, UserInput(disabled: true), by: s.principal)   // not on yourself
            }
            _ = try await h.parties.users.update(u.id, UserInput(disabled: true), by: h.op)
            #expect(try await h.parties.access.session(forToken: s.token) == nil)
            #expect(try await h.parties.access.login(email: "ops@tl.cn", password: "long enough pw") == nil)
        }
    }

    @Test func userValidationNamesFields() async throws {
        try await Harness.with { h in
            let e = await #expect(throws: ValidationError.self) {
                try await h.parties.users.create(UserInput(email: "x", displayName: "", password: "short", role: "king", language: "fr"), by: h.op)
            }
            #expect(e?.fieldErrors.map(\.field) == ["email", "displayName", "password", "role", "language"])
            let count = try await h.db.read { try await $0.select().column("id").from("users").all().count }
            #expect(count == 0)
        }
    }
}
