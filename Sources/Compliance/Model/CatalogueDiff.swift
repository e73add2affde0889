import Foundation
import Kernel

/// What a catalogue change does to the live rules (CMP1): rules added, rules changed field by field (old → new) and
/// rules retired, so the second officer approves what they can read rather than a list of operations.
public struct CatalogueDiff: Sendable, Equatable {
    /// One field of a rule that differs; `field` is the exchange format's column name (`CatalogueCSV.header`).
    public struct FieldChange: Sendable, Hashable {
        public let field: String
        public let old: String
        public let new: String
        public init(field: String, old: String, new: String) { self.field = field; self.old = old; self.new = new }
    }

    public struct Changed: Sendable, Equatable {
        public let old: CatalogueEntry
        public let new: CatalogueEntry
        public let fields: [FieldChange]
    }

    public var added: [CatalogueEntry]
    public var changed: [Changed]
    public var retired: [CatalogueEntry]

    public var isEmpty: Bool { added.isEmpty && changed.isEmpty && retired.isEmpty }

    /// The differences between two catalogues, each list in rule-id order.
    public static func between(_ old: Catalogue, _ new: Catalogue) -> CatalogueDiff {
        let a = Dictionary(old.entries.map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        let b = Dictionary(new.entries.map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        var diff = CatalogueDiff(added: [], changed: [], retired: [])
        for id in Set(a.keys).union(b.keys).sorted() {
            switch (a[id], b[id]) {
            case (nil, let n?): diff.added.append(n)
            case (let o?, nil): diff.retired.append(o)
            case (let o?, let n?) where o != n: diff.changed.append(Changed(old: o, new: n, fields: fields(o, n)))
            default: break
            }
        }
        return diff
    }

    /// What `ops` would do to `live` (a proposal's preview); ops that cannot apply (a stale retire) are left out of
    /// the preview rather than hiding the rest — approval refuses the stale change anyway.
    public static func of(_ ops: [CatalogueOp], on live: Catalogue) -> CatalogueDiff {
        let applicable = ops.filter { op in
            if case .delete(let id) = op { return live.entries.contains { $0.id == id } }
            return true
        }
        return between(live, (try? live.applying(applicable)) ?? live)
    }

    /// The fields of a rule as text, in the exchange format's column order (lists joined with " | ").
    public static func values(_ e: CatalogueEntry) -> [(String, String)] {
        [("market", e.market.rawValue), ("category", e.category.rawValue), ("term", e.term),
         ("variants", e.variants.joined(separator: " | ")), ("language", e.language), ("match", e.match.rawValue),
         ("requires", e.requires.joined(separator: " | ")), ("severity", String(e.severity)), ("source", e.source),
         ("source_url", e.sourceURL), ("effective_from", e.effectiveFrom), ("note", e.note)]
    }

    public static func fields(_ old: CatalogueEntry, _ new: CatalogueEntry) -> [FieldChange] {
        zip(values(old), values(new)).compactMap { a, b in a.1 == b.1 ? nil : FieldChange(field: a.0, old: a.1, new: b.1) }
    }
}
