import Foundation
import Kernel

/// A search over the live catalogue's rules (CMP1): text, filters, a sort and a keyset cursor, so a list of any size
/// is paged rather than capped.
public struct RuleQuery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// In the catalogue and applied today.
        case inForce = "in-force"
        /// Published with a later effective date.
        case scheduled
        /// A proposed change waiting for a second officer touches it.
        case pending
    }

    public enum Sort: String, Sendable, CaseIterable { case id, term, market, category, severity, effective }

    /// Matched, case-insensitively, in the id, term, variants, source and note.
    public var text: String?
    public var market: Market?
    public var category: RuleCategory?
    public var severity: Int?
    public var status: Status?
    public var sort: Sort
    public var descending: Bool
    public var limit: Int
    /// The `next` of the previous page.
    public var after: String?

    public static let maxLimit = 500
    public static let maxText = 200

    public init(text: String? = nil, market: Market? = nil, category: RuleCategory? = nil, severity: Int? = nil, status: Status? = nil,
                sort: Sort = .id, descending: Bool = false, limit: Int = 100, after: String? = nil) {
        self.text = text; self.market = market; self.category = category; self.severity = severity; self.status = status
        self.sort = sort; self.descending = descending; self.limit = min(max(limit, 1), Self.maxLimit); self.after = after
    }

    func key(_ e: CatalogueEntry) -> String {
        switch sort {
        case .id: ""
        case .term: e.term.lowercased()
        case .market: e.market.rawValue
        case .category: e.category.rawValue
        case .severity: String(e.severity)
        case .effective: e.effectiveFrom
        }
    }

    /// The position after the last row of a page: the sort key and the rule id, opaque to the browser.
    static func token(key: String, id: String) -> String {
        Data((key + "\u{1F}" + id).utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func position(_ token: String) throws(ValidationError) -> (String, String) {
        var b = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard token.count <= 600, let data = Data(base64Encoded: b), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError.invalidCursor()
        }
        let parts = text.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty else { throw ValidationError.invalidCursor() }
        return (String(parts[0]), String(parts[1]))
    }
}

extension Catalogue {
    /// One page of the rules matching `q`, on `day` (ISO date) and with `pending` the rule ids a waiting change touches.
    public func search(_ q: RuleQuery, on day: String, pending: Set<String>) throws(ValidationError) -> Page<CatalogueEntry> {
        let needle = q.text.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.flatMap { $0.isEmpty ? nil : String($0.prefix(RuleQuery.maxText)) }
        let matching = entries.filter { e in
            if let m = q.market, e.market != m { return false }
            if let c = q.category, e.category != c { return false }
            if let s = q.severity, e.severity != s { return false }
            switch q.status {
            case .inForce?: if !(e.effectiveFrom.isEmpty || e.effectiveFrom <= day) { return false }
            case .scheduled?: if e.effectiveFrom.isEmpty || e.effectiveFrom <= day { return false }
            case .pending?: if !pending.contains(e.id) { return false }
            case nil: break
            }
            if let needle {
                let hay = ([e.id, e.term, e.source, e.note] + e.variants).joined(separator: "\n").lowercased()
                if !hay.contains(needle) { return false }
            }
            return true
        }
        let keyed = matching.map { (q.key($0), $0) }.sorted { a, b in
            let less = a.0 == b.0 ? a.1.id < b.1.id : a.0 < b.0
            return q.descending ? !less : less
        }
        var rest = keyed[...]
        if let after = q.after {
            let (k, id) = try RuleQuery.position(after)
            rest = keyed.drop { row in
                let lessOrSame = row.0 == k ? row.1.id <= id : row.0 < k
                let greaterOrSame = row.0 == k ? row.1.id >= id : row.0 > k
                return q.descending ? greaterOrSame : lessOrSame
            }
        }
        return Page.of(Array(rest.prefix(q.limit + 1)), limit: q.limit) { RuleQuery.token(key: $0.0, id: $0.1.id) }
            .mapItems(\.1)
    }
}

extension Page {
    func mapItems<T>(_ f: (Item) -> T) -> Page<T> { Page<T>(items: items.map(f), next: next) }
}
