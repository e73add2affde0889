import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An exchange rate exactly as published: `digits / 10^scale` units of a currency per 1 EUR ("1.1790" → 11790, 4).
public struct ExactRate: Hashable, Sendable, CustomStringConvertible {
    public let digits: Int64
    public let scale: Int

    public init(parsing text: String) throws(FXError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              parts.joined().count <= 15, let d = Int64(parts.joined()), d > 0 else { throw .invalidRate(text) }
        digits = d
        scale = parts.count == 2 ? parts[1].count : 0
    }

    public static let one = try! ExactRate(parsing: "1")

    public var description: String {
        guard scale > 0 else { return String(digits) }
        var s = String(digits)
        while s.count <= scale { s = "0" + s }
        s.insert(".", at: s.index(s.endIndex, offsetBy: -scale))
        return s
    }
}

public enum FXError: Error, Equatable, Sendable {
    case invalidRate(String)
    case invalidDocument(String)
    case noRate(currency: String)
}

/// One day of euro reference rates (ECB eurofxref format).
public struct ReferenceRates: Sendable, Equatable {
    public let day: LocalDate
    /// Units of each currency per 1 EUR; EUR itself is implied.
    public let rates: [String: ExactRate]
    public let source: String

    public init(day: LocalDate, rates: [String: ExactRate], source: String) {
        self.day = day; self.rates = rates; self.source = source
    }

    public func rate(_ code: String) -> ExactRate? { code == "EUR" ? .one : rates[code] }

    /// `money` in `target`, crossing through the euro, rounded half-to-even to the target's minor unit: exact integer
    /// arithmetic on the published decimal rates.
    public func convert(_ money: Money, to target: Currency) throws(FXError) -> Money {
        guard let from = rate(money.currency.code) else { throw .noRate(currency: money.currency.code) }
        guard let to = rate(target.code) else { throw .noRate(currency: target.code) }
        // minorB = minorA × 10^eB × toDigits × 10^fromScale / (10^eA × 10^toScale × fromDigits)
        func pow10(_ n: Int) -> Int128 { (0..<n).reduce(Int128(1)) { r, _ in r * 10 } }
        let num = Int128(money.minorUnits) * pow10(target.minorUnits) * Int128(to.digits) * pow10(from.scale)
        let den = pow10(money.currency.minorUnits) * pow10(to.scale) * Int128(from.digits)
        var q = num / den
        let r = num % den
        let twice = (r < 0 ? -r : r) * 2
        if twice > den || (twice == den && q % 2 != 0) { q += num < 0 ? -1 : 1 }
        return Money(minorUnits: Int64(q), currency: target)
    }

    /// The rate between two currencies as a sentence for buyers: "1 USD = 0.8482 EUR (ECB reference rate 2018-06-11)",
    /// shown to 4 decimals (rounded half up); the conversion itself uses the exact published rates.
    public func basis(from: Currency, to: Currency) -> String? {
        guard let a = rate(from.code), let b = rate(to.code) else { return nil }
        let num = Int128(b.digits) * 10_000 * Self.pow10(a.scale)
        let den = Int128(a.digits) * Self.pow10(b.scale)
        let r = (num * 2 + den) / (den * 2)
        let frac = String(Int(r % 10_000))
        let text = "\(r / 10_000)." + String(repeating: "0", count: 4 - frac.count) + frac
        return "1 \(from.code) = \(text) \(to.code) (\(source) \(day))"
    }

    static func pow10(_ n: Int) -> Int128 { (0..<n).reduce(Int128(1)) { r, _ in r * 10 } }

    /// Parses an ECB `eurofxref-daily.xml` or `eurofxref-hist*.xml` document: one entry per day, newest first.
    public static func parseECB(_ data: Data) throws(FXError) -> [ReferenceRates] {
        final class Reader: NSObject, XMLParserDelegate {
            var days: [(String, [(String, String)])] = []
            var sawEnvelope = false
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                if name == "gesmes:Envelope" || name.hasSuffix("Envelope") { sawEnvelope = true }
                guard name == "Cube" else { return }
                if let time = attributes["time"] { days.append((time, [])) }
                if let c = attributes["currency"], let r = attributes["rate"], !days.isEmpty { days[days.count - 1].1.append((c, r)) }
            }
        }
        let reader = Reader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        guard parser.parse(), reader.sawEnvelope else {
            throw .invalidDocument(parser.parserError.map { "\($0)" } ?? "not an ECB eurofxref envelope")
        }
        var out: [ReferenceRates] = []
        for (time, pairs) in reader.days {
            guard let day = try? LocalDate(parsing: time) else { throw .invalidDocument("bad date \(time)") }
            var rates: [String: ExactRate] = [:]
            for (code, text) in pairs {
                guard Currency.isKnown(code) else { continue }   // e.g. a withdrawn code in an old file
                rates[code] = try ExactRate(parsing: text)
            }
            out.append(ReferenceRates(day: day, rates: rates, source: "ECB reference rate"))
        }
        guard !out.isEmpty else { throw .invalidDocument("no <Cube time=…> day in the document") }
        return out.sorted { $0.day > $1.day }
    }
}
