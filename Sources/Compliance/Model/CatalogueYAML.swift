import Foundation
import Kernel
import Yams

/// The catalogue as YAML: a list of rules with the CSV's column names, lists as YAML sequences.
public enum CatalogueYAML {
    struct Row: Codable {
        var id: String
        var market: String
        var category: String
        var term: String
        var variants: [String]?
        var language: String?
        var match: String?
        var requires: [String]?
        var severity: Int?
        var source: String
        var source_url: String?
        var effective_from: String?
        var note: String?
    }

    public static func export(_ entries: [CatalogueEntry]) throws -> String {
        let rows = entries.map {
            Row(id: $0.id, market: $0.market.rawValue, category: $0.category.rawValue, term: $0.term, variants: $0.variants,
                language: $0.language, match: $0.match.rawValue, requires: $0.requires, severity: $0.severity, source: $0.source,
                source_url: $0.sourceURL, effective_from: $0.effectiveFrom, note: $0.note)
        }
        return try YAMLEncoder().encode(rows)
    }

    /// Parses and validates rows through the CSV path's rules, so both formats accept exactly the same catalogue.
    public static func parseEntries(_ text: String) throws -> [CatalogueEntry] {
        let rows: [Row]
        do { rows = try YAMLDecoder().decode([Row].self, from: text) } catch {
            throw CatalogueCSV.RowError(line: 0, column: "*", message: "not a YAML list of rules: \(error)", zh: "不是 YAML 规则列表：\(error)")
        }
        let csv = [CatalogueCSV.header.joined(separator: ",")] + rows.map { r in
            [r.id, r.market, r.category, r.term, (r.variants ?? []).joined(separator: "|"), r.language ?? "", r.match ?? "",
             (r.requires ?? []).joined(separator: "|"), r.severity.map(String.init) ?? "", r.source, r.source_url ?? "",
             r.effective_from ?? "", r.note ?? ""].map(CatalogueCSV.quote).joined(separator: ",")
        }
        return try CatalogueCSV.parseEntries(csv.joined(separator: "\n"))
    }
}

/// One rule as API clients send it (camelCase, lists as arrays), validated by the same rules as CSV and YAML.
public struct CatalogueRuleInput: Sendable, Codable {
    public var id: String
    public var market: String
    public var category: String
    public var term: String
    public var variants: [String]?
    public var language: String?
    public var match: String?
    public var requires: [String]?
    public var severity: Int?
    public var source: String
    public var sourceUrl: String?
    public var effectiveFrom: String?
    public var note: String?

    public init(_ e: CatalogueEntry) {
        id = e.id; market = e.market.rawValue; category = e.category.rawValue; term = e.term; variants = e.variants; language = e.language
        match = e.match.rawValue; requires = e.requires; severity = e.severity; source = e.source; sourceUrl = e.sourceURL
        effectiveFrom = e.effectiveFrom; note = e.note
    }

    /// Validated entries; a `RowError`'s line is the input's index + 2 (the CSV header is line 1).
    public static func entries(_ rules: [CatalogueRuleInput]) throws -> [CatalogueEntry] {
        let csv = [CatalogueCSV.header.joined(separator: ",")] + rules.map { r in
            [r.id, r.market, r.category, r.term, (r.variants ?? []).joined(separator: "|"), r.language ?? "", r.match ?? "",
             (r.requires ?? []).joined(separator: "|"), r.severity.map(String.init) ?? "", r.source, r.sourceUrl ?? "",
             r.effectiveFrom ?? "", r.note ?? ""].map(CatalogueCSV.quote).joined(separator: ",")
        }
        return try CatalogueCSV.parseEntries(csv.joined(separator: "\n"))
    }
}
