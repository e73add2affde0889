import Foundation
import Kernel
import Testing
import TestSupport

/// Euro reference rates from the real ECB feed format (samples in Tests/Fixtures/ecb, see SOURCE.md): exact integer
/// conversion with half-to-even rounding, and storage of the rates on both engines (CMP8: conversion basis).
@Suite struct FXTests {
    static func fixture(_ name: String) throws -> Data {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/ecb/\(name)")
        return try Data(contentsOf: url)
    }

    static func d(_ s: String) -> LocalDate { try! LocalDate(parsing: s) }

    @Test func parsesTheDailyAndNinetyDayFeeds() throws {
        let daily = try ReferenceRates.parseECB(try Self.fixture("eurofxref-daily.xml"))
        #expect(daily.count == 1 && daily[0].day == Self.d("2018-06-11") && daily[0].rates.count == 31)   // 32 published; HRK left ISO 4217 in 2023
        #expect(daily[0].rate("HRK") == nil)
        #expect(daily[0].rate("USD")?.description == "1.1790" && daily[0].rate("GBP")?.description == "0.88180")
        let hist = try ReferenceRates.parseECB(try Self.fixture("eurofxref-hist-90d.xml"))
        #expect(hist.count == 61 && hist.first?.day == Self.d("2018-06-11") && hist[1].day == Self.d("2018-06-08"))
        #expect(hist[0].rate("USD")?.description == "1.179")
        #expect(throws: FXError.self) { try ReferenceRates.parseECB(Data("<html>not rates</html>".utf8)) }
        #expect(throws: FXError.invalidRate("1,179")) { try ExactRate(parsing: "1,179") }
    }

    @Test func convertsExactlyThroughTheEuro() throws {
        let r = try ReferenceRates.parseECB(try Self.fixture("eurofxref-daily.xml"))[0]
        let usd = try Currency("USD"), eur = try Currency("EUR"), jpy = try Currency("JPY"), gbp = try Currency("GBP")
        #expect(try r.convert(Money(minorUnits: 10_000, currency: eur), to: usd) == Money(minorUnits: 11_790, currency: usd))
        #expect(try r.convert(Money(minorUnits: 1_990, currency: usd), to: eur) == Money(minorUnits: 1_688, currency: eur))   // 16.8787…
        #expect(try r.convert(Money(minorUnits: 1_990, currency: usd), to: jpy) == Money(minorUnits: 2_188, currency: jpy))   // 0-decimal target
        #expect(try r.convert(Money(minorUnits: 123_456, currency: jpy), to: gbp) == Money(minorUnits: 83_987, currency: gbp))
        #expect(try r.convert(Money(minorUnits: -1_990, currency: usd), to: eur) == Money(minorUnits: -1_688, currency: eur))
        // Half to even: 1 EUR = 1.5 X puts 1 cent at exactly 1.5 cents, and 3 cents at 4.5.
        let half = ReferenceRates(day: r.day, rates: ["USD": try ExactRate(parsing: "1.5")], source: "test")
        #expect(try half.convert(Money(minorUnits: 1, currency: eur), to: usd).minorUnits == 2)
        #expect(try half.convert(Money(minorUnits: 3, currency: eur), to: usd).minorUnits == 4)
        let aed = try Currency("AED")   // not in the ECB list
        #expect(throws: FXError.noRate(currency: "AED")) { try r.convert(Money(minorUnits: 1, currency: eur), to: aed) }
        #expect(r.basis(from: usd, to: eur) == "1 USD = 0.8482 EUR (ECB reference rate 2018-06-11)")
    }

    @Test func storesRatesAndAnswersTheLatestDayOnOrBefore() async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all) { db in
            let fx = FXService(db: db, clock: FixedClock(TestFixtures.start))
            #expect(try await fx.rates(on: try LocalDate(parsing: "2018-06-11")) == nil)
            let days = try await fx.importECB(try Self.fixture("eurofxref-hist-90d.xml"))
            #expect(days.count == 61)
            try await fx.importECB(try Self.fixture("eurofxref-daily.xml"))   // overlaps 2018-06-11: replaced, not duplicated
            // Saturday 2018-06-09: Friday's rates apply.
            let sat = try #require(try await fx.rates(on: try LocalDate(parsing: "2018-06-09")))
            #expect(sat.day == Self.d("2018-06-08") && sat.rates.count >= 30)
            let mon = try #require(try await fx.rates(on: try LocalDate(parsing: "2018-06-11")))
            #expect(mon.rate("USD")?.description == "1.1790" && mon.rates.count == 31)
        }
    }
}
