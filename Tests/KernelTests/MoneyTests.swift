import Foundation
import Kernel
import Testing

/// K8: exact money in integer minor units.
@Suite struct MoneyTests {
    let cny = try! Currency("CNY")
    let jpy = try! Currency("JPY")
    let kwd = try! Currency("KWD")

    @Test func minorUnitsFollowISO4217() throws {
        #expect(try Currency("JPY").minorUnits == 0)
        #expect(try Currency("usd").minorUnits == 2)
        #expect(try Currency("KWD").minorUnits == 3)
        #expect(try Currency("EUR").scale == 100)
        #expect(throws: MoneyError.unknownCurrency("XYZ")) { try Currency("XYZ") }
    }

    @Test(arguments: [("12.30", "CNY", Int64(1230)), ("0.05", "CNY", 5), ("-7.5", "CNY", -750), ("1000", "JPY", 1000),
                      ("1.234", "KWD", 1234), ("+3", "USD", 300)])
    func parsesExactly(text: String, code: String, minor: Int64) throws {
        let m = try Money(parsing: text, currency: Currency(code))
        #expect(m.minorUnits == minor)
    }

    @Test func rejectsWhatCannotBeExact() {
        #expect(throws: MoneyError.tooManyDecimals("1.005", allowed: 2)) { try Money(parsing: "1.005", currency: cny) }
        #expect(throws: MoneyError.tooManyDecimals("10.5", allowed: 0)) { try Money(parsing: "10.5", currency: jpy) }
        for bad in ["", "abc", "1.", ".5", "1,00", "1e3", "--1", "12.3.4"] {
            #expect(throws: MoneyError.self) { try Money(parsing: bad, currency: cny) }
        }
        #expect(throws: MoneyError.overflow) { try Money(parsing: "99999999999999999999", currency: cny) }
    }

    @Test func formatsCanonically() throws {
        #expect(Money(minorUnits: 1230, currency: cny).decimalString == "12.30")
        #expect(Money(minorUnits: -5, currency: cny).decimalString == "-0.05")
        #expect(Money(minorUnits: 1000, currency: jpy).decimalString == "1000")
        #expect(Money(minorUnits: 1, currency: kwd).decimalString == "0.001")
    }

    @Test func arithmeticRefusesMixedCurrencies() throws {
        let a = Money(minorUnits: 100, currency: cny)
        let b = Money(minorUnits: 100, currency: try Currency("USD"))
        #expect(throws: MoneyError.currencyMismatch("CNY", "USD")) { try a.adding(b) }
        #expect(throws: MoneyError.currencyMismatch("CNY", "USD")) { try a.subtracting(b) }
        #expect(try a.adding(a).minorUnits == 200)
        #expect(try a.subtracting(Money(minorUnits: 250, currency: cny)).minorUnits == -150)
        #expect(throws: MoneyError.overflow) { try Money(minorUnits: .max, currency: cny).adding(a) }
    }

    @Test func allocationSumsExactly() throws {
        let m = Money(minorUnits: 1000, currency: cny)
        let parts = try m.split(into: 3)
        #expect(parts.map(\.minorUnits) == [334, 333, 333])
        let weighted = try Money(minorUnits: 100, currency: cny).allocate([1, 1, 1, 7])
        #expect(weighted.map(\.minorUnits) == [10, 10, 10, 70])
        let neg = try Money(minorUnits: -1001, currency: cny).split(into: 2)
        #expect(neg.map(\.minorUnits) == [-501, -500])
        #expect(throws: MoneyError.invalidAllocation) { try m.allocate([]) }
        #expect(throws: MoneyError.invalidAllocation) { try m.allocate([0, 0]) }
    }

    @Test func allocationPropertyHoldsForRandomInputs() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let amount = Int64.random(in: -10_000_000_000...10_000_000_000, using: &rng)
            let ratios = (0..<Int.random(in: 1...7, using: &rng)).map { _ in Int64.random(in: 0...1000, using: &rng) }
            guard ratios.reduce(0, +) > 0 else { continue }
            let parts = try Money(minorUnits: amount, currency: cny).allocate(ratios)
            #expect(parts.reduce(0) { $0 + $1.minorUnits } == amount)
            #expect(parts.count == ratios.count)
        }
    }

    @Test func jsonUsesDecimalStrings() throws {
        let m = try Money(parsing: "12.30", currency: try Currency("EUR"))
        let data = try JSONEncoder().encode(m)
        #expect(String(decoding: data, as: UTF8.self).contains("\"amount\":\"12.30\""))
        #expect(try JSONDecoder().decode(Money.self, from: data) == m)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Money.self, from: Data(#"{"amount":"1.00","currency":"ABC"}"#.utf8))
        }
    }
}
