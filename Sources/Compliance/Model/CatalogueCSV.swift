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
        /// The message in Chinese (the console shows import errors in the reader's language).
        public let zh: String
        /// The other bad rows of the same file, so one answer can name them all.
        public var more: [RowError] = []
        public var description: String { "line \(line), \(column): \(message)" }
        public init(line: Int, column: String, message: String, zh: String? = nil) {
            self.line = line; self.column = column; self.message = message; self.zh = zh ?? message
        }
        public var all: [RowError] { [RowError(line: line, column: column, message: message, zh: zh)] + more }
        public var text: LocalizedText { LocalizedText(en: message, zh: zh) }
        /// "line 3, market: …" / "第 3 行，市场（market）：…"
        public var located: LocalizedText {
            let label = CatalogueCSV.columnLabel(column)
            return LocalizedText(en: "line \(line), \(column): \(message)", zh: "第 \(line) 行，\(label.zh)：\(zh)")
        }
    }

    /// A column's name for people; the Chinese one keeps the header name so it can be found in the file.
    public static func columnLabel(_ column: String) -> LocalizedText {
        let zh: String = switch column {
        case "id": "规则编号"
        case "market": "市场"
        case "category": "类别"
        case "term": "词条"
        case "variants": "变体"
        case "language": "语言"
        case "match": "匹配方式"
        case "requires": "所需证书"
        case "severity": "严重程度"
        case "source": "依据"
        case "source_url": "依据链接"
        case "effective_from": "生效日期"
        case "note": "备注"
        case "header": "表头"
        case "*": "整行"
        default: ""
        }
        return LocalizedText(en: column, zh: zh.isEmpty ? column : "\(zh)（\(column)）")
    }

    /// Parses rule rows; every bad row is reported with its line and column, nothing half-parsed is returned.
    public static func parseEntries(_ text: String) throws -> [CatalogueEntry] {
        let rows = try readRows(text)
        guard let head = rows.first, head.map({ $0.trimmingCharacters(in: .whitespaces) }) == header else {
            throw RowError(line: 1, column: "header", message: "expected header \(header.joined(separator: ","))",
                           zh: "表头应为 \(header.joined(separator: ","))")
        }
        var out: [CatalogueEntry] = []
        var errors: [RowError] = []
        var ids = Set<String>()
        for (n, row) in rows.dropFirst().enumerated() where !(row.count == 1 && row[0].isEmpty) {
            let line = n + 2
            guard row.count == header.count else {
                errors.append(RowError(line: line, column: "*", message: "expected \(header.count) columns, found \(row.count)",
                                       zh: "应有 \(header.count) 列，实有 \(row.count) 列")); continue
            }
            func col(_ name: String) -> String { row[header.firstIndex(of: name)!].trimmingCharacters(in: .whitespaces) }
            // Every bad column of the row is reported, not only the first (a form shows each next to its field).
            var bad: [RowError] = []
            func fail(_ column: String, _ en: String, _ zh: String) { bad.append(RowError(line: line, column: column, message: en, zh: zh)) }
            let id = col("id")
            if id.isEmpty { fail("id", "empty", "不能为空") }
            else if id.count > 100 || !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
                fail("id", "use at most 100 letters, digits, - _ .", "只能使用字母、数字和 - _ .，最多 100 个字符")
            }
            if !id.isEmpty && !ids.insert(id).inserted { fail("id", "duplicate \(id)", "编号 \(id) 重复") }
            let market = Market(rawValue: col("market").uppercased())
            if market == nil { fail("market", "unknown market \(col("market"))", "未知市场 \(col("market"))") }
            let category = RuleCategory(rawValue: col("category")).flatMap { RuleCategory.catalogued.contains($0) ? $0 : nil }
            if category == nil { fail("category", "unknown category \(col("category"))", "未知类别 \(col("category"))") }
            let match = MatchMode(rawValue: col("match").isEmpty ? "substring" : col("match"))
            if match == nil { fail("match", "use word or substring", "须为 word（整词）或 substring（子串）") }
            let term = col("term")
            if term.isEmpty || TextNormalizer.shared.skeleton(term).isEmpty {
                fail("term", "empty after normalisation", "规范化后为空")
            }
            let severity = Int(col("severity").isEmpty ? "3" : col("severity")).flatMap { (1...5).contains($0) ? $0 : nil }
            if severity == nil { fail("severity", "must be 1–5", "须为 1–5") }
            if !col("effective_from").isEmpty && (try? LocalDate(parsing: col("effective_from"))) == nil {
                fail("effective_from", "must be an ISO date (YYYY-MM-DD)", "须为 ISO 日期（YYYY-MM-DD）")
            }
            if col("source").isEmpty { fail("source", "every rule must cite its source", "每条规则都须注明依据") }
            errors += bad
            guard bad.isEmpty, let market, let category, let match, let severity else { continue }
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
        if let error = reader.error {
            throw RowError(line: rows.count + 1, column: "*", message: "not valid CSV (\(error))", zh: "不是有效的 CSV（\(error)）")
        }
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
