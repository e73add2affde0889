import Foundation
import Kernel

/// One price a listing version was offered at, from `at` until the next version.
public struct PricePoint: Sendable, Hashable {
    public let price: Money
    public let at: Date
    public init(price: Money, at: Date) { self.price = price; self.at = at }
}

/// Disclosure and pricing checks of T/CATIS 030—2025 §5.3 and §5.4 (CMP8): pure functions of a listing's
/// content and price history, producing findings the same shape as catalogue hits.
public enum ListingChecks {
    static let standard = "T/CATIS 030—2025"

    struct Requirement: Sendable {
        let id: String
        let field: String
        let clause: String
        let markets: Set<Market>?
        let missing: @Sendable (ListingContent) -> Bool
        let reason: String
    }

    static func blank(_ s: String?) -> Bool { (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }

    static let requirements: [Requirement] = [
        Requirement(id: "DISC-IMAGES", field: "images", clause: "\(standard) §5.3.1 b)", markets: nil, missing: { $0.images.isEmpty },
                    reason: "at least one product image must show the actual goods"),
        Requirement(id: "DISC-UNIT", field: "unit", clause: "\(standard) §5.3.3", markets: nil, missing: { blank($0.unit) },
                    reason: "the unit of sale and quantity (legal or SI unit) must be stated"),
        Requirement(id: "DISC-VARIATION", field: "variationNotice", clause: "\(standard) §5.3.2 c)", markets: nil,
                    missing: { blank($0.variationNotice) },
                    reason: "a statement of colour/size deviation and deviation from applicable standards must be published"),
        Requirement(id: "DISC-EU-RP", field: "responsiblePerson", clause: "Regulation (EU) 2023/988 (GPSR) Art. 19", markets: [.eu],
                    missing: { blank($0.responsiblePerson) },
                    reason: "online offers must name the manufacturer and the EU responsible person with a postal and electronic address"),
        Requirement(id: "DISC-UK-RP", field: "responsiblePerson", clause: "General Product Safety Regulations 2005 (UK) reg. 7",
                    markets: [.uk], missing: { blank($0.responsiblePerson) },
                    reason: "the producer or UK importer must be identified to buyers"),
    ]

    /// Required information missing for `market`.
    public static func disclosure(_ c: ListingContent, market: Market) -> [Finding] {
        requirements.filter { $0.markets.map { $0.contains(market) } ?? true }.filter { $0.missing(c) }.map {
            Finding(ruleId: $0.id, category: .disclosure, term: $0.field, matched: "", field: $0.field, start: 0, end: 0,
                    source: $0.clause, severity: 2, disposition: .active, reason: $0.reason)
        }
    }

    /// Words that claim a price reduction, in the listing's text (English and Chinese).
    static let cues = ["discount", "% off", "percent off", "sale price", "price drop", "price cut", "clearance sale", "was ",
                       "reduced from", "save ", "折扣", "打折", "折后", "优惠价", "特价", "促销价", "降价", "直降", "限时折", "原价", "立减", "清仓价"]

    public struct Claim: Sendable, Equatable {
        public let field: String
        public let start: Int
        public let end: Int
        public let matched: String
    }

    /// The first discount claim in the text, or the explicit comparison price.
    public static func discountClaim(_ c: ListingContent) -> Claim? {
        if c.compareAtPrice != nil { return Claim(field: "compareAtPrice", start: 0, end: 0, matched: "compareAtPrice") }
        let fields = [("title", c.title), ("description", c.description)] + c.attributes.sorted { $0.key < $1.key }.map { ("attributes.\($0.key)", $0.value) }
        for (field, text) in fields {
            let lower = text.lowercased()
            for cue in cues {
                if let r = lower.range(of: cue) {
                    if cue == "was " || cue == "save " {
                        // "was $19.99", "save 20%": only with a number after the word.
                        guard lower[r.upperBound...].first(where: { !$0.isWhitespace }).map({ $0.isNumber || "$€£¥".contains($0) }) == true else { continue }
                    }
                    return Claim(field: field, start: lower.utf16.distance(from: lower.startIndex, to: r.lowerBound),
                                 end: lower.utf16.distance(from: lower.startIndex, to: r.upperBound), matched: String(text[r]))
                }
            }
            if let r = lower.range(of: #"[0-9一二三四五六七八九][.0-9]*\s*折|[0-9]+\s*%\s*(off|优惠)"#, options: .regularExpression) {
                return Claim(field: field, start: lower.utf16.distance(from: lower.startIndex, to: r.lowerBound),
                             end: lower.utf16.distance(from: lower.startIndex, to: r.upperBound), matched: String(text[r]))
            }
        }
        return nil
    }

    /// The lowest price in force during the 30 days before `now`, in `currency`: points inside the window plus
    /// the one in force when it opened.
    public static func referencePrice(_ history: [PricePoint], currency: Currency, now: Date, days: Int = 30) -> Money? {
        let start = now.addingTimeInterval(-Double(days) * 86400)
        let sorted = history.filter { $0.at < now }.sorted { $0.at < $1.at }
        var inWindow = sorted.filter { $0.at >= start }
        if let before = sorted.last(where: { $0.at < start }) { inWindow.append(before) }
        return inWindow.filter { $0.price.currency == currency }.min { $0.price.minorUnits < $1.price.minorUnits }?.price
    }

    /// A discount claim must leave the price ≥ 5% below the lowest price of the previous 30 days (§5.4.1), and a
    /// stated comparison price may not exceed that reference (no "raise then discount").
    public static func pricing(_ c: ListingContent, history: [PricePoint], now: Date) -> [Finding] {
        guard let claim = discountClaim(c) else { return [] }
        let clause = "\(standard) §5.4.1"
        func finding(_ id: String, _ reason: String) -> Finding {
            Finding(ruleId: id, category: .pricing, term: "discount", matched: claim.matched, field: claim.field, start: claim.start,
                    end: claim.end, source: clause, severity: 3, disposition: .active, reason: reason)
        }
        guard let ref = referencePrice(history, currency: c.price.currency, now: now) else {
            return [finding("PRICE-NO-REFERENCE", "a discount is claimed but the listing had no \(c.price.currency.code) price in the previous 30 days")]
        }
        var out: [Finding] = []
        // price ≤ 95% of reference, in integers: price × 100 ≤ reference × 95.
        if c.price.minorUnits * 100 > ref.minorUnits * 95 {
            let ceiling = Money(minorUnits: (ref.minorUnits * 95) / 100, currency: ref.currency)
            out.append(finding("PRICE-DISCOUNT-5", "discounted price \(c.price) is not ≥ 5% below the 30-day low \(ref) (at most \(ceiling))"))
        }
        if let was = c.compareAtPrice, was.currency == ref.currency, was.minorUnits > ref.minorUnits {
            out.append(finding("PRICE-INFLATED-REFERENCE", "comparison price \(was) is above the 30-day low \(ref)"))
        }
        return out
    }
}
