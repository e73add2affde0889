import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport
@testable import Parties

/// PRV2/PRV3 through Kernel's `PersonalDataProvider` (issue 11 item 3): what Parties holds about a person, what an
/// erasure request may remove at once, and what the retention sweep anonymises when the legal period ends.
@Suite struct PersonalDataTests {
    let provider = PartiesPersonalData()
    static let day: TimeInterval = 86_400

    func staff(_ h: Harness, _ email: String, merchant: Merchant) async throws -> User {
        try await h.parties.users.create(UserInput(email: email, displayName: "Wang Hai", password: "long enough password",
                                                   role: "merchant-admin", merchantId: merchant.id.rawValue, language: "zh-CN"), by: h.op)
    }

    func export(_ h: Harness, _ s: DataSubject) async throws -> [PersonalDataRecord] {
        try await h.db.read { [provider] in try await provider.export(s, in: $0) }
    }

    func erase(_ h: Harness, _ s: DataSubject) async throws -> ErasureOutcome {
        let now = h.clock.now()
        return try await h.db.transaction { [provider] in try await provider.erase(s, at: now, in: $0) }
    }

    @Test func exportFindsTheAccountAndTheMerchantContactByAddress() async throws {
        try await Harness.with { h in
            let m = try await h.parties.merchants.create(MerchantInput(name: "Ningbo Harbour", country: "CN", contactEmail: "Wang.Hai@Harbour.example"), by: h.op)
            let u = try await staff(h, "wang.hai@harbour.example", merchant: m)
            _ = try await staff(h, "someone.else@harbour.example", merchant: m)
            let records = try await export(h, DataSubject(email: "  WANG.HAI@harbour.example "))
            #expect(records.map(\.category) == ["user-account", "merchant-contact"])
            #expect(records[0].entityId == u.id.rawValue && records[0].fields["email"] == "wang.hai@harbour.example"
                    && records[0].fields["displayName"] == "Wang Hai" && records[0].merchantId == m.id)
            #expect(records[1].entityId == m.id.rawValue && records[1].fields["contactEmail"]?.lowercased() == "wang.hai@harbour.example")
            // Kept while the account and the store are in use.
            #expect(records.allSatisfy { $0.retainUntil == nil })
            #expect(try await export(h, DataSubject(userIds: [u.id])).map(\.entityId) == [u.id.rawValue])
            #expect(try await export(h, DataSubject(email: "nobody@harbour.example")).isEmpty)
        }
    }

    @Test func erasureKeepsWhatALegalDutyHoldsAndAnonymisesTheRest() async throws {
        try await Harness.with { h in
            let m = try await h.parties.merchants.create(MerchantInput(name: "Ningbo Harbour", country: "CN", contactEmail: "wang.hai@harbour.example"), by: h.op)
            let u = try await staff(h, "wang.hai@harbour.example", merchant: m)
            let subject = DataSubject(email: "wang.hai@harbour.example")

            // Active account and open store: nothing may go yet, and the answer says why.
            var outcome = try await erase(h, subject)
            #expect(outcome.erased.isEmpty && outcome.kept.map(\.entity) == ["user", "merchant"])
            #expect(outcome.kept[1].until == nil && outcome.kept[1].reason.zh.contains("电子商务法"))
            #expect(try await h.parties.users.authenticate(email: "wang.hai@harbour.example", password: "long enough password")?.id == u.id)

            // Disabled account: anonymised at once; the closed store's contact is kept 3 years after closure.
            _ = try await h.parties.users.update(u.id, UserInput(disabled: true), by: h.op)
            _ = try await h.parties.merchants.requestExit(m.id, reason: "closing", by: h.op)
            h.clock.advance(by: 31 * Self.day)
            let closed = try await h.parties.merchants.close(m.id, by: h.op)
            outcome = try await erase(h, subject)
            #expect(outcome.erased == ["user:\(u.id.rawValue)"])
            #expect(outcome.kept.map(\.entityId) == [m.id.rawValue])
            #expect(outcome.kept[0].until == closed.closedAt?.addingTimeInterval(provider.retention))
            let after = try await h.parties.users.get(u.id, by: h.op)
            #expect(after.displayName == PartiesPersonalData.erasedName && after.email != "wang.hai@harbour.example" && after.disabled)
            #expect(try await export(h, DataSubject(userIds: [u.id])).first?.fields["email"] == PartiesPersonalData.erasedEmail(u.id.rawValue))
            #expect(try await export(h, subject).map(\.category) == ["merchant-contact"])
            // A second request finds nothing more to do for the account.
            #expect(try await erase(h, subject).erased.isEmpty)
        }
    }

    @Test func retentionSweepAnonymisesOnlyWhatIsPastItsDate() async throws {
        try await Harness.with { h in
            let old = try await h.parties.merchants.create(MerchantInput(name: "Old Co", country: "CN", contactEmail: "boss@old.example"), by: h.op)
            let live = try await h.parties.merchants.create(MerchantInput(name: "Live Co", country: "CN", contactEmail: "boss@live.example"), by: h.op)
            for m in [old, live] { _ = try await h.parties.kyc.submit(merchantId: m.id, h.kycInput(), by: h.op) }
            let gone = try await staff(h, "left@old.example", merchant: old)
            let stays = try await staff(h, "stays@live.example", merchant: live)
            _ = try await h.parties.users.update(gone.id, UserInput(disabled: true), by: h.op)
            _ = try await h.parties.merchants.requestExit(old.id, reason: "closing", by: h.op)
            h.clock.advance(by: 31 * Self.day)
            _ = try await h.parties.merchants.close(old.id, by: h.op)

            let sweep: @Sendable (Harness) async throws -> Int = { [provider] h in
                let now = h.clock.now()
                return try await h.db.transaction { try await provider.enforceRetention(at: now, limit: 100, in: $0) }
            }
            // Two years on: still inside the period.
            h.clock.advance(by: 2 * 365 * Self.day)
            #expect(try await sweep(h) == 0)
            // Past three years after closure (and after the account was disabled): anonymised, exactly once.
            h.clock.advance(by: 366 * Self.day)
            #expect(try await sweep(h) == 2)
            #expect(try await sweep(h) == 0)
            #expect(try await h.parties.users.get(gone.id, by: h.op).displayName == PartiesPersonalData.erasedName)
            #expect(try await h.parties.users.get(stays.id, by: h.op).email == "stays@live.example")
            #expect(try await h.parties.merchants.get(old.id, by: h.op).contactEmail == PartiesPersonalData.erasedEmail(old.id.rawValue))
            #expect(try await h.parties.merchants.get(live.id, by: h.op).contactEmail == "boss@live.example")
            let reps = try await h.db.read { sql in
                try await sql.select().columns("merchant_id", "legal_representative", "address").from("kyc_submissions").all()
                    .map { (try $0.decode(column: "merchant_id", as: String.self), try $0.decode(column: "legal_representative", as: String.self)) }
            }
            #expect(Dictionary(uniqueKeysWithValues: reps) == [old.id.rawValue: PartiesPersonalData.erasedText, live.id.rawValue: "王海"])
        }
    }
}
