import Foundation
import Kernel

public enum CatalogueChangeKind: IDKind { public static let prefix = "chg" }
public typealias CatalogueChangeID = PrefixedID<CatalogueChangeKind>

/// One edit to the catalogue: add or replace a rule, or retire one.
public enum CatalogueOp: Sendable, Hashable, Codable {
    case upsert(CatalogueEntry)
    case delete(String)

    public var ruleId: String {
        switch self {
        case .upsert(let e): e.id
        case .delete(let id): id
        }
    }
}

/// A proposed catalogue edit waiting for a second officer (four-eyes, CMP1).
public struct CatalogueChange: Sendable {
    public enum Status: String, Sendable, Codable, CaseIterable { case pending, approved, rejected }

    public let id: CatalogueChangeID
    public var status: Status
    public let summary: String
    public let ops: [CatalogueOp]
    /// Regulations this change implements: approving it stops their 10-working-day clock (CMP6).
    public let regulationIds: [String]
    public let proposedBy: String
    public let proposedAt: Date
    public var decidedBy: String?
    public var decidedAt: Date?
    public var decisionReason: String?
    public var resultVersion: Int?
}

extension Catalogue {
    /// The catalogue after `ops`, in order; deleting an unknown id is an error so a stale proposal cannot
    /// silently do nothing.
    public func applying(_ ops: [CatalogueOp]) throws(ValidationError) -> Catalogue {
        var byId = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var order = entries.map(\.id)
        for (i, op) in ops.enumerated() {
            switch op {
            case .upsert(let e):
                if byId[e.id] == nil { order.append(e.id) }
                byId[e.id] = e
            case .delete(let id):
                guard byId.removeValue(forKey: id) != nil else {
                    throw ValidationError(field: "ops[\(i)].delete", code: "unknown-rule", en: "No rule \(id) in the catalogue.",
                                          zh: "目录中没有规则 \(id)。")
                }
                order.removeAll { $0 == id }
            }
        }
        return Catalogue(entries: order.compactMap { byId[$0] }, allowPhrases: allowPhrases)
    }

    /// Rules in force on `day` (ISO date): an entry with a later `effectiveFrom` is published but not yet applied.
    public func effective(on day: String) -> Catalogue {
        Catalogue(entries: entries.filter { $0.effectiveFrom.isEmpty || $0.effectiveFrom <= day }, allowPhrases: allowPhrases)
    }

    /// Destination markets whose screening differs between two catalogues: a changed GLOBAL rule or a Chinese
    /// advertising word touches every market.
    public static func affectedMarkets(from old: Catalogue, to new: Catalogue) -> [Market] {
        let a = Dictionary(old.entries.map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        let b = Dictionary(new.entries.map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        var markets = Set<Market>()
        for id in Set(a.keys).union(b.keys) where a[id] != b[id] {
            for e in [a[id], b[id]].compactMap({ $0 }) {
                if e.market == .global || (e.market == .cn && e.category == .adWord) { return Market.destinations }
                markets.insert(e.market)
            }
        }
        if old.allowPhrases != new.allowPhrases { return Market.destinations }
        return Market.destinations.filter(markets.contains)
    }
}
