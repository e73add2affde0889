import CSV
import Foundation
import Kernel

/// The catalogue's exchange format (CSV, RFC 4180), used for the bundled defaults, imports and exports.
public enum CatalogueCSV {
    public static let header = ["id", "market", "category", "term", "variants", "language", "match", "requires", "severity",
                                "source", "source_url", "effective_from", "note"]
    public static let allowHeader = ["phrase", "language", "covers", "note"]

    public struct RowError: Error, Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let column: String
        public let message: String
        /// The other bad rows of the same file, so one answer can name them all.
        public var more: [RowError] = []
        public var description: String { "line \(line), \(column): \(message)" }
        public init(line: Int, column: String, message: String) { self.line = line; self.column = column; self.message = message }
        public var all: [RowError] { [RowError(line: line, column: column, message: message)] + more }
    }

    /// Parses rule rows; every bad row is reported with its line and column, nothing half-parsed is returned.
    public static func parseEntries(_ text: String) throws -> [CatalogueEntry] {
        let rows = try readRows(text)
        guard let head = rows.first, head.map({ $0.trimmingCharacters(in: .whitespaces) }) == header else {
            throw RowError(line: 1, column: "header", message: "expected header \(header.joined(separator: ","))")
        }
        var out: [CatalogueEntry] = []
        var errors: [RowError] = []
        var ids = Set<String>()
        for (n, row) in rows.dropFirst().enumerated() where !(row.count == 1 && row[0].isEmpty) {
            let line = n + 2
            guard row.count == header.count else {
                errors.append(RowError(line: line, column: "*", message: "expected \(header.count) columns, found \(row.count)")); continue
            }
            func col(_ name: String) -> String { row[header.firstIndex(of: name)!].trimmingCharacters(in: .whitespaces) }
            let id = col("id")
            if id.isEmpty { errors.append(RowError(line: line, column: "id", message: "empty")) }
            if !ids.insert(id).inserted { errors.append(RowError(line: line, column: "id", message: "duplicate \(id)")) }
            guard let market = Market(rawValue: col("market").uppercased()) else {
                errors.append(RowError(line: line, column: "market", message: "unknown market \(col("market"))")); continue
            }
            guard let category = RuleCategory(rawValue: col("category")), RuleCategory.catalogued.contains(category) else {
                errors.append(RowError(line: line, column: "category", message: "unknown category \(col("category"))")); continue
            }
            guard let match = MatchMode(rawValue: col("match").isEmpty ? "substring" : col("match")) else {
                errors.append(RowError(line: line, column: "match", message: "use word or substring")); continue
            }
            let term = col("term")
            if term.isEmpty || TextNormalizer.shared.skeleton(term).isEmpty {
                errors.append(RowError(line: line, column: "term", message: "empty after normalisation")); continue
            }
            guard let severity = Int(col("severity").isEmpty ? "3" : col("severity")), (1...5).contains(severity) else {
                errors.append(RowError(line: line, column: "severity", message: "must be 1–5")); continue
            }
            if !col("effective_from").isEmpty && (try? LocalDate(parsing: col("effective_from"))) == nil {
                errors.append(RowError(line: line, column: "effective_from", message: "must be an ISO date (YYYY-MM-DD)"))
            }
            if col("source").isEmpty { errors.append(RowError(line: line, column: "source", message: "every rule must cite its source")) }
            out.append(CatalogueEntry(id: id, market: market, category: category, term: term, variants: split(col("variants")),
                                      language: col("language").isEmpty ? "any" : col("language"), match: match,
                                      requires: split(col("requires")), severity: severity, source: col("source"),
                                      sourceURL: col("source_url"), effectiveFrom: col("effective_from"), note: col("note")))
        }
        if var first = errors.first {
            first.more = Array(errors.dropFirst())
            throw first
        }
        return out
    }

    public static func parseAllowPhrases(_ text: String) throws -> [AllowPhrase] {
        let rows = try readRows(text)
        guard let head = rows.first, head == allowHeader else {
            throw RowError(line: 1, column: "header", message: "expected header \(allowHeader.joined(separator: ","))")
        }
        return rows.dropFirst().filter { $0.count == allowHeader.count && !$0[0].isEmpty }.map {
            AllowPhrase(phrase: $0[0], language: $0[1].isEmpty ? "any" : $0[1], covers: $0[2], note: $0[3])
        }
    }

    public static func export(_ entries: [CatalogueEntry]) -> String {
        var lines = [header.joined(separator: ",")]
        for e in entries {
            lines.append([e.id, e.market.rawValue, e.category.rawValue, e.term, e.variants.joined(separator: "|"), e.language,
                          e.match.rawValue, e.requires.joined(separator: "|"), String(e.severity), e.source, e.sourceURL,
                          e.effectiveFrom, e.note].map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func quote(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func split(_ s: String) -> [String] {
        s.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func readRows(_ text: String) throws -> [[String]] {
        let stripped = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let reader = try CSVReader(string: stripped, hasHeaderRow: false)
        var rows: [[String]] = []
        while let row = reader.next() { rows.append(row) }
        if let error = reader.error { throw RowError(line: rows.count + 1, column: "*", message: "\(error)") }
        return rows
    }

    /// The bundled default catalogue (Resources/catalogue/*.csv), each entry citing its public source.
    public static func bundled() throws -> Catalogue {
        guard let dir = Bundle.module.url(forResource: "catalogue", withExtension: nil) else {
            throw RowError(line: 0, column: "*", message: "bundled catalogue missing")
        }
        var entries: [CatalogueEntry] = []
        var allow: [AllowPhrase] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        for file in files where file.hasSuffix(".csv") {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            if file == "allow-phrases.csv" { allow += try parseAllowPhrases(text) } else {
                do { entries += try parseEntries(text) } catch let e as RowError {
                    throw RowError(line: e.line, column: "\(file): \(e.column)", message: e.message)
                }
            }
        }
        return Catalogue(entries: entries, allowPhrases: allow)
    }
}
