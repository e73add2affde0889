import Foundation

/// An exact amount of one currency in integer minor units (K8: never floating point).
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Parses a plain decimal string ("12.30", "-0.5", "1000") exactly.
    /// More fraction digits than the currency allows is an error, not a silent rounding.
    public init(parsing text: String, currency: Currency) throws(MoneyError) {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let intPart = parts.first, !intPart.isEmpty, intPart.allSatisfy(\.isASCIIDigit) else {
            throw .invalidAmount(text)
        }
        let fracPart = parts.count == 2 ? parts[1] : ""
        if parts.count == 2 && fracPart.isEmpty { throw .invalidAmount(text) }
        guard fracPart.allSatisfy(\.isASCIIDigit) else { throw .invalidAmount(text) }
        guard fracPart.count <= currency.minorUnits else {
            throw .tooManyDecimals(text, allowed: currency.minorUnits)
        }
        let padded = fracPart + String(repeating: "0", count: currency.minorUnits - fracPart.count)
        guard let major = Int64(intPart), let minor = padded.isEmpty ? 0 : Int64(padded) else {
            throw .overflow
        }
        let (scaled, o1) = major.multipliedReportingOverflow(by: currency.scale)
        let (total, o2) = scaled.addingReportingOverflow(minor)
        guard !o1, !o2 else { throw .overflow }
        self.init(minorUnits: negative ? -total : total, currency: currency)
    }

    /// The canonical decimal string ("12.30", "1000", "-0.005").
    public var decimalString: String {
        let scale = currency.scale
        let magnitude = minorUnits.magnitude
        let major = magnitude / UInt64(scale)
        let minor = magnitude % UInt64(scale)
        var out = minorUnits < 0 ? "-" : ""
        out += String(major)
        if currency.minorUnits > 0 {
            let digits = String(minor)
            out += "." + String(repeating: "0", count: currency.minorUnits - digits.count) + digits
        }
        return out
    }

    public var description: String { "\(decimalString) \(currency.code)" }

    public func adding(_ other: Money) throws(MoneyError) -> Money {
        guard currency == other.currency else { throw .currencyMismatch(currency.code, other.currency.code) }
        let (r, o) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !o else { throw .overflow }
        return Money(minorUnits: r, currency: currency)
    }

    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        guard currency == other.currency else { throw .currencyMismatch(currency.code, other.currency.code) }
        let (r, o) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !o else { throw .overflow }
        return Money(minorUnits: r, currency: currency)
    }

    public func multiplied(by factor: Int64) throws(MoneyError) -> Money {
        let (r, o) = minorUnits.multipliedReportingOverflow(by: factor)
        guard !o else { throw .overflow }
        return Money(minorUnits: r, currency: currency)
    }

    public var negated: Money { Money(minorUnits: -minorUnits, currency: currency) }
    public var isZero: Bool { minorUnits == 0 }
    public var isNegative: Bool { minorUnits < 0 }

    /// Splits the amount in proportion to `ratios` so that the parts sum exactly to the whole.
    /// Remainder minor units go one each to the parts with the largest fractional share
    /// (largest-remainder method), ties to the earlier part.
    public func allocate(_ ratios: [Int64]) throws(MoneyError) -> [Money] {
        guard !ratios.isEmpty, ratios.allSatisfy({ $0 >= 0 }) else { throw .invalidAllocation }
        let total = ratios.reduce(0, +)
        guard total > 0 else { throw .invalidAllocation }
        let sign: Int64 = minorUnits < 0 ? -1 : 1
        let amount = minorUnits.magnitude
        var parts: [UInt64] = []
        var remainders: [(index: Int, rem: UInt64)] = []
        var allocated: UInt64 = 0
        for (i, r) in ratios.enumerated() {
            // amount * r can overflow 64 bits for huge amounts; use full-width multiply.
            let product = amount.multipliedFullWidth(by: UInt64(r))
            let (q, rem) = UInt64(total).dividingFullWidth((product.high, product.low))
            parts.append(q)
            remainders.append((i, rem))
            allocated += q
        }
        var left = amount - allocated
        for entry in remainders.sorted(by: { $0.rem != $1.rem ? $0.rem > $1.rem : $0.index < $1.index }) where left > 0 {
            parts[entry.index] += 1
            left -= 1
        }
        return parts.map { Money(minorUnits: sign * Int64($0), currency: currency) }
    }

    /// Splits into `count` near-equal parts that sum exactly.
    public func split(into count: Int) throws(MoneyError) -> [Money] {
        guard count > 0 else { throw .invalidAllocation }
        return try allocate(Array(repeating: 1, count: count))
    }
}

extension Money: Comparable {
    /// Ordering is only defined within one currency; mixed currencies order by code first
    /// so that sorting is total, but callers comparing amounts should check currency.
    public static func < (lhs: Money, rhs: Money) -> Bool {
        lhs.currency == rhs.currency ? lhs.minorUnits < rhs.minorUnits : lhs.currency.code < rhs.currency.code
    }
}

/// JSON form `{"amount": "12.30", "currency": "EUR"}` (DESIGN data rules).
extension Money: Codable {
    enum CodingKeys: String, CodingKey { case amount, currency }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let code = try c.decode(String.self, forKey: .currency)
        let amount = try c.decode(String.self, forKey: .amount)
        do {
            let currency = try Currency(code)
            try self.init(parsing: amount, currency: currency)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(decimalString, forKey: .amount)
        try c.encode(currency.code, forKey: .currency)
    }
}

public enum MoneyError: Error, Equatable, Sendable {
    case unknownCurrency(String)
    case invalidAmount(String)
    case tooManyDecimals(String, allowed: Int)
    case currencyMismatch(String, String)
    case overflow
    case invalidAllocation
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
