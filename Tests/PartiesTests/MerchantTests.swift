import Foundation
import Kernel
import Parties
import SQLKit
import Testing
import TestSupport

/// K1/K2: merchant tenants, scoping and the exit procedure with public notice.
@Suite struct MerchantTests {
    @Test func createValidatesEveryField() async throws {
        try await Harness.with { h in
            let error = await #expect(throws: ValidationError.self) {
                try await h.parties.merchants.create(MerchantInput(name: " ", country: "XX", contactEmail: "nope", settlementCurrency: "ABC"), by: h.op)
            }
            #expect(error?.fieldErrors.map(\.field) == ["name", "country", "contactEmail", "settlementCurrency"])
            let count = try await h.parties.merchants.count(by: h.op)
            #expect(count == 0)
            let m = try await h.parties.merchants.create(MerchantInput(name: "Xiamen Tea Co.", country: "cn", contactEmail: "Tea@Xm.example"), by: h.op)
            #expect(m.status == .onboarding && m.country == "CN" && m.contactEmail == "tea@xm.example" && m.settlementCurrency == "CNY")
        }
    }

    @Test func onlyOperatorAdminsCreateMerchants() async throws {
        try await Harness.with { h in
            for role in [Role.complianceOfficer, .finance, .csAgent, .merchantAdmin] {
                await #expect(throws: CommonError.denied(.merchantsCreate, role: role)) {
                    try await h.parties.merchants.create(MerchantInput(name: "X", country: "CN", contactEmail: "x@y.cn"), by: h.principal(role))
                }
            }
        }
    }

    @Test func merchantsSeeOnlyThemselves() async throws {
        try await Harness.with { h in
            let a = try await h.merchant("Alpha Trading")
            let b = try await h.merchant("Beta Trading")
            let pa = h.principal(.merchantAdmin, merchant: a)
            let list = try await h.parties.merchants.list(MerchantListQuery(), by: pa)
            #expect(list.items.map(\.id) == [a.id])
            let filtered = try await h.parties.merchants.list(MerchantListQuery(query: "Beta"), by: pa)
            #expect(filtered.items.isEmpty)
            await #expect(throws: CommonError.notFound(entity: "merchant", id: b.id.rawValue)) { try await h.parties.merchants.get(b.id, by: pa) }
            await #expect(throws: CommonError.notFound(entity: "merchant", id: b.id.rawValue)) {
                try await h.parties.merchants.update(b.id, MerchantInput(name: "Hijack"), by: pa)
            }
            #expect(try await h.parties.merchants.get(b.id, by: h.op).name == "Beta Trading")
            #expect(try await h.parties.merchants.list(MerchantListQuery(query: "beta"), by: h.op).items.map(\.id) == [b.id])
        }
    }

    @Test func listPaginatesWithCursorAndSorts() async throws {
        try await Harness.with { h in
            for i in 0..<5 { _ = try await h.merchant("Shop \(i)") }
            let first = try await h.parties.merchants.list(MerchantListQuery(limit: 2), by: h.op)
            #expect(first.items.count == 2 && first.next != nil)
            let second = try await h.parties.merchants.list(MerchantListQuery(limit: 2, after: first.next), by: h.op)
            let third = try await h.parties.merchants.list(MerchantListQuery(limit: 2, after: second.next), by: h.op)
            #expect(third.items.count == 1 && third.next == nil)
            #expect(Set((first.items + second.items + third.items).map(\.id)).count == 5)
            let sorted = try await h.parties.merchants.list(MerchantListQuery(sort: "name", descending: true), by: h.op)
            #expect(sorted.items.map(\.name) == ["Shop 4", "Shop 3", "Shop 2", "Shop 1", "Shop 0"])
            await #expect(throws: ValidationError.self) { try await h.parties.merchants.list(MerchantListQuery(sort: "password"), by: h.op) }
        }
    }

    @Test func updateIsAuditedAndScoped() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let admin = h.principal(.merchantAdmin, merchant: m)
            let updated = try await h.parties.merchants.update(m.id, MerchantInput(name: "Renamed", settlementCurrency: "USD"), by: admin)
            #expect(updated.name == "Renamed" && updated.settlementCurrency == "USD")
            let audit = try await AuditLog.recent(h.db, merchantId: m.id, limit: 5)
            #expect(audit.first?.action == "merchant.updated" && audit.first?.actor == admin.actorId)
            #expect(audit.first?.data.contains("Renamed") == true)
        }
    }

    @Test func exitRunsThePublicNoticePeriodBeforeClosing() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let admin = h.principal(.merchantAdmin, merchant: m)
            await #expect(throws: ValidationError.self) { try await h.parties.merchants.requestExit(m.id, reason: nil, by: admin) }
            let exiting = try await h.parties.merchants.requestExit(m.id, reason: "Moving to another platform", by: admin)
            #expect(exiting.status == .exiting)
            #expect(exiting.noticeEndsAt == TestFixtures.start.addingTimeInterval(30 * 86400))
            #expect(try await h.parties.merchants.publicNotices().map(\.id) == [m.id])
            await #expect(throws: CommonError.denied(.merchantsClose, role: .merchantAdmin)) { try await h.parties.merchants.close(m.id, by: admin) }
            let early = await #expect(throws: CommonError.self) { try await h.parties.merchants.close(m.id, by: h.op) }
            #expect(early?.code == "notice-period-running")
            h.clock.advance(by: 30 * 86400)
            let closed = try await h.parties.merchants.close(m.id, by: h.op)
            #expect(closed.status == .closed && closed.closedAt == h.clock.now())
            #expect(try await h.parties.merchants.publicNotices().isEmpty)
            await #expect(throws: CommonError.invalidTransition(entity: "merchant", from: "closed", to: "exiting")) {
                try await h.parties.merchants.requestExit(m.id, reason: "again", by: h.op)
            }
        }
    }

    @Test func withdrawnExitRestoresThePreviousStatus() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            _ = try await h.parties.merchants.requestExit(m.id, reason: "test", by: h.op)
            let back = try await h.parties.merchants.cancelExit(m.id, by: h.op)
            #expect(back.status == .onboarding && back.noticeEndsAt == nil)
        }
    }

    @Test func withdrawingWithoutAnExitIsRefused() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            await #expect(throws: CommonError.invalidTransition(entity: "merchant", from: "onboarding", to: "exit-withdrawn")) {
                try await h.parties.merchants.cancelExit(m.id, by: h.op)
            }
            #expect(try await h.parties.merchants.get(m.id, by: h.op).status == .onboarding)
        }
    }

    struct OpenOrders: ExitBlocker {
        let count: Int
        func blockers(merchantId: MerchantID) async throws -> [LocalizedText] {
            count == 0 ? [] : [LocalizedText(en: "\(count) open orders", zh: "\(count) 个未完结订单")]
        }
    }

    @Test func openOrdersBlockClosure() async throws {
        try await Harness.with(blockers: [OpenOrders(count: 3)]) { h in
            let m = try await h.merchant()
            _ = try await h.parties.merchants.requestExit(m.id, reason: "closing", by: h.op)
            h.clock.advance(by: 31 * 86400)
            let error = await #expect(throws: CommonError.self) { try await h.parties.merchants.close(m.id, by: h.op) }
            #expect(error?.code == "exit-blocked")
            #expect(error?.detail.en.contains("3 open orders") == true)
            #expect(try await h.parties.merchants.get(m.id, by: h.op).status == .exiting)
        }
    }

    @Test func noticePeriodIsConfigurable() async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all + PartiesMigrations.all) { db in
            var settings = PartiesSettings()
            settings.exitNoticeDays = 45
            let parties = PartiesServices(PartiesContext(db: db, clock: FixedClock(TestFixtures.start), cipher: TestFixtures.cipher, settings: settings))
            let m = try await parties.merchants.create(MerchantInput(name: "N", country: "CN", contactEmail: "n@n.cn"), by: .system("t"))
            let e = try await parties.merchants.requestExit(m.id, reason: "r", by: .system("t"))
            #expect(e.noticeEndsAt == TestFixtures.start.addingTimeInterval(45 * 86400))
        }
    }

    @Test func licenceStateWarnsThirtyDaysAhead() throws {
        let today = try LocalDate(parsing: "2026-03-02")
        #expect(LicenceState.of(expiresOn: try LocalDate(parsing: "2026-04-01"), today: today, warningDays: 30) == .expiringSoon)
        #expect(LicenceState.of(expiresOn: try LocalDate(parsing: "2026-04-02"), today: today, warningDays: 30) == .valid)
        #expect(LicenceState.of(expiresOn: try LocalDate(parsing: "2026-03-01"), today: today, warningDays: 30) == .expired)
    }
}
