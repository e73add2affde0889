import Foundation
import Kernel
import Parties
import SQLKit
import Testing
import TestSupport

/// Issue 12 item 11 (K3): TOTP two-factor sign-in, recovery codes, sessions a person can end, password change.
@Suite struct TwoFactorTests {
    static let password = "correct horse battery"

    func user(_ h: Harness, _ email: String, role: String = "finance", merchant: Merchant? = nil) async throws -> User {
        try await h.parties.users.create(UserInput(email: email, displayName: email.components(separatedBy: "@")[0], password: Self.password,
                                                   role: role, merchantId: merchant?.id.rawValue), by: h.op)
    }

    /// Signs in with the password alone (two-factor off) and returns the session.
    func signIn(_ h: Harness, _ email: String) async throws -> AccessService.Session {
        try #require(try await h.parties.access.login(email: email, password: Self.password))
    }

    /// Enrols through the service and returns the base32 key as shown to the person, and the recovery codes.
    func enrol(_ h: Harness, _ s: AccessService.Session) async throws -> (key: String, codes: [String]) {
        let enrolment = try await h.parties.twoFactor.beginEnrolment(by: s.principal)
        let key = enrolment.secretGrouped.replacingOccurrences(of: " ", with: "")
        let codes = try await h.parties.twoFactor.confirmEnrolment(code: RFC6238.code(base32: key, at: h.clock.now()), by: s.principal)
        // The code was used to switch it on; two steps later even the previous step's code is unused.
        h.clock.advance(by: 60)
        return (key, codes)
    }

    func challenge(_ h: Harness, _ email: String, password: String = TwoFactorTests.password) async throws -> String {
        guard case .secondFactor(let token)? = try await h.parties.access.beginLogin(email: email, password: password) else {
            Issue.record("expected the second step for \(email)")
            return ""
        }
        return token
    }

    @Test func enrolmentNeedsAFirstCodeThenLoginAsksForOne() async throws {
        try await Harness.with { h in
            _ = try await user(h, "li@op.example")
            let s = try await signIn(h, "li@op.example")
            let enrolment = try await h.parties.twoFactor.beginEnrolment(by: s.principal)
            let key = enrolment.secretGrouped.replacingOccurrences(of: " ", with: "")
            // The URI carries the same key, the issuer and the account; the typed key is grouped in fours.
            #expect(enrolment.uri.hasPrefix("otpauth://totp/") && enrolment.uri.contains("secret=\(key)") && enrolment.uri.contains("issuer=Tradelane"))
            #expect(enrolment.uri.contains("li@op.example") && key.count == 32 && enrolment.secretGrouped.split(separator: " ").allSatisfy { $0.count == 4 })
            // A wrong first code leaves it off: password alone still signs in.
            let right = RFC6238.code(base32: key, at: h.clock.now())
            let wrong = String(format: "%06d", (Int(right)! + 1) % 1_000_000)
            await #expect(throws: TwoFactorError.wrongCode) { try await h.parties.twoFactor.confirmEnrolment(code: wrong, by: s.principal) }
            await #expect(throws: TwoFactorError.codeFormat) { try await h.parties.twoFactor.confirmEnrolment(code: "12ab", by: s.principal) }
            #expect(try await h.parties.twoFactor.status(by: s.principal).enabled == false)
            #expect(try await h.parties.access.login(email: "li@op.example", password: Self.password) != nil)
            // The right code switches it on and yields ten single-use recovery codes.
            let codes = try await h.parties.twoFactor.confirmEnrolment(code: right, by: s.principal)
            #expect(codes.count == 10 && Set(codes).count == 10 && codes.allSatisfy { $0.count == 11 && $0.contains("-") })
            let status = try await h.parties.twoFactor.status(by: s.principal)
            #expect(status.enabled && status.recoveryCodesLeft == 10 && !status.pending)
            // Now the password alone gives no session.
            #expect(try await h.parties.access.login(email: "li@op.example", password: Self.password) == nil)
            h.clock.advance(by: 30)
            let token = try await challenge(h, "li@op.example")
            guard case .refused(let left) = try await h.parties.access.completeLogin(challenge: token, code: wrong) else {
                Issue.record("a wrong code must be refused"); return
            }
            #expect(left == 4)
            guard case .session(let signedIn) = try await h.parties.access.completeLogin(challenge: token, code: RFC6238.code(base32: key, at: h.clock.now()))
            else { Issue.record("the current code must sign in"); return }
            #expect(signedIn.twoFactorEnabled && signedIn.user.email == "li@op.example")
            #expect(try await h.parties.access.session(forToken: signedIn.token)?.id == signedIn.id)
            // The pending log-in is used up.
            guard case .expired = try await h.parties.access.completeLogin(challenge: token, code: RFC6238.code(base32: key, at: h.clock.now())) else {
                Issue.record("a used pending log-in must not sign in again"); return
            }
            let audit = try await AuditLog.recent(h.db, merchantId: nil, limit: 20).map(\.action)
            #expect(audit.contains("two-factor.enrolment-started") && audit.contains("two-factor.enabled") && audit.contains("two-factor.code-refused"))
        }
    }

    @Test func aCodeIsAcceptedOneStepEitherSideButNeverTwice() async throws {
        try await Harness.with { h in
            _ = try await user(h, "wang@op.example")
            let (key, _) = try await enrol(h, try await signIn(h, "wang@op.example"))
            // The previous step's code (phone 30 s behind) is accepted …
            let previous = RFC6238.code(base32: key, at: h.clock.now().addingTimeInterval(-30))
            guard case .session = try await h.parties.access.completeLogin(challenge: try await challenge(h, "wang@op.example"), code: previous) else {
                Issue.record("one step of drift must be accepted"); return
            }
            // … but the same code again is a replay, even within its window, and so is any earlier step's.
            guard case .refused = try await h.parties.access.completeLogin(challenge: try await challenge(h, "wang@op.example"), code: previous) else {
                Issue.record("a replayed code must be refused"); return
            }
            // The next step (phone 30 s ahead) is fine once; two steps away is not.
            let ahead = RFC6238.code(base32: key, at: h.clock.now().addingTimeInterval(30))
            let farAhead = RFC6238.code(base32: key, at: h.clock.now().addingTimeInterval(60))
            if farAhead != ahead {
                guard case .refused = try await h.parties.access.completeLogin(challenge: try await challenge(h, "wang@op.example"), code: farAhead) else {
                    Issue.record("two steps of drift must be refused"); return
                }
            }
            guard case .session = try await h.parties.access.completeLogin(challenge: try await challenge(h, "wang@op.example"), code: ahead) else {
                Issue.record("the next step's code must be accepted"); return
            }
            // Having used the next step, the current step's code (an earlier step) is refused as well.
            let current = RFC6238.code(base32: key, at: h.clock.now())
            guard case .refused = try await h.parties.access.completeLogin(challenge: try await challenge(h, "wang@op.example"), code: current) else {
                Issue.record("a code of a step before the last one used must be refused"); return
            }
            let refusals = try await h.db.read { sql in
                try await sql.select().column("data").from("audit_log").where("action", .equal, "two-factor.code-refused").all()
                    .map { try $0.decode(column: "data", as: String.self) }
            }
            #expect(refusals.contains { $0.contains("replayed") })
        }
    }

    @Test func aRecoveryCodeWorksOnceInAnySpelling() async throws {
        try await Harness.with { h in
            _ = try await user(h, "zhao@op.example")
            let s = try await signIn(h, "zhao@op.example")
            let (_, codes) = try await enrol(h, s)
            let typed = " " + codes[3].uppercased().replacingOccurrences(of: "-", with: " ") + " "
            guard case .session(let viaCode) = try await h.parties.access.completeLogin(challenge: try await challenge(h, "zhao@op.example"), code: typed) else {
                Issue.record("an unused recovery code must sign in"); return
            }
            #expect(try await h.parties.twoFactor.status(by: viaCode.principal).recoveryCodesLeft == 9)
            guard case .refused = try await h.parties.access.completeLogin(challenge: try await challenge(h, "zhao@op.example"), code: codes[3]) else {
                Issue.record("a spent recovery code must be refused"); return
            }
            // New codes replace the old ones.
            let fresh = try await h.parties.twoFactor.regenerateRecoveryCodes(by: viaCode.principal)
            #expect(Set(fresh).isDisjoint(with: codes))
            guard case .refused = try await h.parties.access.completeLogin(challenge: try await challenge(h, "zhao@op.example"), code: codes[0]) else {
                Issue.record("an old recovery code must stop working"); return
            }
            guard case .session = try await h.parties.access.completeLogin(challenge: try await challenge(h, "zhao@op.example"), code: fresh[0]) else {
                Issue.record("a new recovery code must work"); return
            }
        }
    }

    @Test func secondStepAttemptsAreBoundedAndCountedByTheLoginThrottle() async throws {
        try await Harness.with { h in
            _ = try await user(h, "sun@op.example")
            let (key, _) = try await enrol(h, try await signIn(h, "sun@op.example"))
            let token = try await challenge(h, "sun@op.example")
            let valid = Set([-30.0, 0, 30].map { RFC6238.code(base32: key, at: h.clock.now().addingTimeInterval($0)) })
            let wrong = (0..<10).map { String(format: "00000%d", $0) }.filter { !valid.contains($0) }
            for i in 0..<4 {
                guard case .refused(let left) = try await h.parties.access.completeLogin(challenge: token, code: wrong[i]) else {
                    Issue.record("wrong code \(i) must be refused"); return
                }
                #expect(left == 4 - i)
            }
            // The fifth wrong code ends the pending log-in: even the right code then needs the password again.
            guard case .expired = try await h.parties.access.completeLogin(challenge: token, code: wrong[4]) else { Issue.record("fifth"); return }
            guard case .expired = try await h.parties.access.completeLogin(challenge: token, code: RFC6238.code(base32: key, at: h.clock.now())) else {
                Issue.record("an exhausted pending log-in must not sign in"); return
            }
            // Five wrong codes are five failed log-ins of the account: it is blocked now, password or not.
            await #expect(throws: LoginThrottled.self) { try await h.parties.access.beginLogin(email: "sun@op.example", password: Self.password) }
            // A pending log-in also runs out of time.
            h.clock.advance(by: 3600 * 2)
            let late = try await challenge(h, "sun@op.example")
            h.clock.advance(by: 6 * 60)
            guard case .expired = try await h.parties.access.completeLogin(challenge: late, code: RFC6238.code(base32: key, at: h.clock.now())) else {
                Issue.record("a pending log-in older than 5 minutes must not sign in"); return
            }
        }
    }

    @Test func theSecretAndRecoveryCodesAreNotStoredInClear() async throws {
        try await Harness.with { h in
            _ = try await user(h, "qian@op.example")
            let s = try await signIn(h, "qian@op.example")
            let (key, codes) = try await enrol(h, s)
            let secret = String(decoding: RFC6238.base32Decode(key), as: UTF8.self)
            let stored = try await h.db.read { sql in
                try await sql.select().column("secret_enc").from("user_two_factor").all().map { try $0.decode(column: "secret_enc", as: String.self) }
                    + (try await sql.select().column("code_hash").from("user_recovery_codes").all().map { try $0.decode(column: "code_hash", as: String.self) })
            }
            #expect(stored.count == 11 && stored[0].hasPrefix("v1."))
            for value in stored {
                #expect(!value.contains(secret) && !value.contains(key))
                for code in codes { #expect(!value.contains(code) && !value.contains(code.replacingOccurrences(of: "-", with: ""))) }
            }
        }
    }

    @Test func operatorRolesMustEnrolInProductionOthersMayChoose() async throws {
        try await Harness.with(settings: { $0.requireOperatorTwoFactor = true }) { h in
            let m = try await h.merchant()
            _ = try await user(h, "ops@op.example", role: "compliance-officer")
            _ = try await user(h, "shop@m.example", role: "merchant-admin", merchant: m)
            let op = try await signIn(h, "ops@op.example")
            #expect(op.mustEnrolTwoFactor && !op.twoFactorEnabled)
            #expect(try await h.parties.access.session(forToken: op.token)?.mustEnrolTwoFactor == true)
            #expect(try await h.parties.twoFactor.status(by: op.principal).required)
            let shop = try await signIn(h, "shop@m.example")
            #expect(!shop.mustEnrolTwoFactor)
            _ = try await enrol(h, op)
            #expect(try await h.parties.access.session(forToken: op.token)?.mustEnrolTwoFactor == false)
        }
        try await Harness.with { h in
            _ = try await user(h, "demo@op.example", role: "operator-admin")
            #expect(try await signIn(h, "demo@op.example").mustEnrolTwoFactor == false)
        }
    }

    @Test func onlyAnOperatorAdminResetsAnotherPersonsSecondFactor() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            _ = try await user(h, "boss@op.example", role: "operator-admin")
            _ = try await user(h, "boss2@op.example", role: "operator-admin")
            _ = try await user(h, "shop@m.example", role: "merchant-admin", merchant: m)
            let staff = try await user(h, "staff@m.example", role: "merchant-staff", merchant: m)
            let admin = try await signIn(h, "boss@op.example")
            let shop = try await signIn(h, "shop@m.example")
            let staffSession = try await signIn(h, "staff@m.example")
            _ = try await enrol(h, staffSession)
            _ = try await enrol(h, admin)
            // A merchant admin may manage its users but not reset their second factor (attack: weaker role).
            await #expect(throws: CommonError.self) { try await h.parties.twoFactor.reset(staff.id, by: shop.principal) }
            await #expect(throws: CommonError.self) { try await h.parties.twoFactor.holders(by: shop.principal) }
            // Nobody resets their own this way (a stolen admin session must not remove the admin's second factor).
            await #expect(throws: CommonError.self) { try await h.parties.twoFactor.reset(admin.user.id, by: admin.principal) }
            #expect(try await h.parties.twoFactor.status(by: staffSession.principal).enabled)
            #expect(try await h.parties.twoFactor.holders(by: admin.principal).map(\.user.email).sorted() == ["boss@op.example", "staff@m.example"])
            // The operator admin's reset: off, sessions ended, audited with the person's merchant.
            _ = try await h.parties.twoFactor.reset(staff.id, by: admin.principal)
            #expect(try await h.parties.access.session(forToken: staffSession.token) == nil)
            #expect(try await h.parties.access.login(email: "staff@m.example", password: Self.password) != nil)
            let entry = try #require(try await AuditLog.recent(h.db, merchantId: m.id, limit: 5).first { $0.action == "two-factor.reset" })
            #expect(entry.actor == admin.user.id.rawValue && entry.entityId == staff.id.rawValue)
            // A second operator admin may reset the first one's.
            let admin2 = try await signIn(h, "boss2@op.example")
            _ = try await h.parties.twoFactor.reset(admin.user.id, by: admin2.principal)
            #expect(try await h.parties.access.login(email: "boss@op.example", password: Self.password) != nil)
        }
    }

    @Test func aPersonSeesAndEndsOnlyTheirOwnSessions() async throws {
        try await Harness.with { h in
            _ = try await user(h, "a@op.example")
            _ = try await user(h, "b@op.example")
            let a1 = try #require(try await h.parties.access.login(email: "a@op.example", password: Self.password, clientAddress: "203.0.113.7",
                                                                  userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36"))
            let a2 = try await signIn(h, "a@op.example")
            let b = try await signIn(h, "b@op.example")
            let listed = try await h.parties.account.sessions(by: a1.principal)
            #expect(Set(listed.map(\.id)) == [a1.id, a2.id])
            #expect(listed.first { $0.id == a1.id }?.clientAddress == "203.0.113.7")
            #expect(listed.first { $0.id == a1.id }?.userAgent?.contains("Chrome/126") == true)
            // Attack: B names A's session. Not found, and A stays signed in.
            await #expect(throws: CommonError.notFound(entity: "session", id: a2.id.rawValue)) {
                try await h.parties.account.revokeSession(a2.id, by: b.principal)
            }
            #expect(try await h.parties.access.session(forToken: a2.token) != nil)
            #expect(try await h.parties.account.revokeOtherSessions(keeping: b.id, by: b.principal) == 0)
            #expect(try await h.parties.access.session(forToken: a1.token) != nil)
            // A ends their own second session.
            try await h.parties.account.revokeSession(a2.id, by: a1.principal)
            #expect(try await h.parties.access.session(forToken: a2.token) == nil)
            #expect(try await h.parties.access.session(forToken: a1.token) != nil)
        }
    }

    @Test func passwordChangeNeedsTheCurrentOneAndEndsOtherSessions() async throws {
        try await Harness.with { h in
            _ = try await user(h, "pw@op.example")
            let current = try await signIn(h, "pw@op.example")
            let other = try await signIn(h, "pw@op.example")
            do {
                try await h.parties.account.changePassword(current: "not my password", new: "a brand new secret", confirm: "a brand new secret",
                                                           keeping: current.id, by: current.principal)
                Issue.record("a wrong current password must be refused")
            } catch let e as ValidationError {
                #expect(e.fieldErrors.map(\.field) == ["currentPassword"] && e.fieldErrors[0].code == "wrong-password")
            }
            do {
                try await h.parties.account.changePassword(current: Self.password, new: "short", confirm: "short", keeping: current.id, by: current.principal)
                Issue.record("the password policy must apply")
            } catch let e as ValidationError {
                #expect(e.fieldErrors.map(\.field) == ["newPassword"])
            }
            do {
                try await h.parties.account.changePassword(current: Self.password, new: "a brand new secret", confirm: "a brand new secrex",
                                                           keeping: current.id, by: current.principal)
                Issue.record("the confirmation must match")
            } catch let e as ValidationError {
                #expect(e.fieldErrors.map(\.field) == ["confirmPassword"])
            }
            #expect(try await h.parties.access.session(forToken: other.token) != nil)
            let ended = try await h.parties.account.changePassword(current: Self.password, new: "a brand new secret", confirm: "a brand new secret",
                                                                   keeping: current.id, by: current.principal)
            #expect(ended == 1)
            #expect(try await h.parties.access.session(forToken: other.token) == nil)
            #expect(try await h.parties.access.session(forToken: current.token) != nil)
            #expect(try await h.parties.access.login(email: "pw@op.example", password: Self.password) == nil)
            #expect(try await h.parties.access.login(email: "pw@op.example", password: "a brand new secret") != nil)
            let entry = try #require(try await AuditLog.recent(h.db, merchantId: nil, limit: 10).first { $0.action == "user.password-changed" })
            #expect(entry.entityId == current.user.id.rawValue)
        }
    }
}
