import Foundation

/// One labelled listing of the evaluation set (Tests/Fixtures/screening-eval.jsonl).
public struct LabelledListing: Sendable, Decodable {
    public let id: String
    public let market: String
    public let language: String?
    public let title: String
    public let description: String?
    public let attributes: [String: String]?
    /// The brand the listing names, if the labeller recorded one.
    public let brand: String?
    /// True when the merchant is authorised for `brand` (absent means not authorised).
    public let authorised: Bool?
    public let certifications: [String]?
    public let expected: Verdict
    public let categories: [String]
    public let note: String?
}

/// Precision, recall and accuracy of the screening engine against labels (CMP7: accuracy ≥ 98%).
public struct EvaluationReport: Sendable {
    public struct CategoryScore: Sendable {
        public let category: String
        public var truePositives = 0, falsePositives = 0, falseNegatives = 0, trueNegatives = 0
        public var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
        public var recall: Double { truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives) }
        public var accuracy: Double {
            let n = truePositives + falsePositives + falseNegatives + trueNegatives
            return n == 0 ? 1 : Double(truePositives + trueNegatives) / Double(n)
        }
    }

    public var total = 0
    public var verdictCorrect = 0
    public var categories: [CategoryScore]
    /// expected → actual → count
    public var confusion: [Verdict: [Verdict: Int]] = [:]
    public var mistakes: [(id: String, expected: Verdict, actual: Verdict, findings: [String])] = []

    public var accuracy: Double { total == 0 ? 0 : Double(verdictCorrect) / Double(total) }

    public static func run(_ items: [LabelledListing], catalogue: Catalogue) throws -> EvaluationReport {
        var screeners: [Market: Screener] = [:]
        var report = EvaluationReport(categories: RuleCategory.catalogued.map { CategoryScore(category: $0.rawValue) })
        for item in items {
            guard let market = Market(rawValue: item.market) else { throw EvaluationError.unknownMarket(item.id, item.market) }
            let screener = screeners[market] ?? Screener(catalogue: catalogue, market: market)
            screeners[market] = screener
            let input = ScreeningInput(title: item.title, description: item.description ?? "",
                                       attributes: (item.attributes ?? [:]).sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) })
            let context = ScreeningContext(authorisedBrands: item.authorised == true ? Set(item.brand.map { [$0] } ?? []) : [], certificates: Set(item.certifications ?? []))
            let result = screener.screen(input, context: context)
            report.total += 1
            if result.verdict == item.expected { report.verdictCorrect += 1 } else {
                report.mistakes.append((item.id, item.expected, result.verdict,
                                        result.findings.map { "\($0.ruleId)[\($0.disposition.rawValue)] '\($0.matched)'" }))
            }
            report.confusion[item.expected, default: [:]][result.verdict, default: 0] += 1
            let found = Set(result.findings.filter { $0.disposition == .active }.map(\.category.rawValue))
            let expected = Set(item.categories)
            for i in report.categories.indices {
                let c = report.categories[i].category
                switch (expected.contains(c), found.contains(c)) {
                case (true, true): report.categories[i].truePositives += 1
                case (false, true): report.categories[i].falsePositives += 1
                case (true, false): report.categories[i].falseNegatives += 1
                case (false, false): report.categories[i].trueNegatives += 1
                }
            }
        }
        return report
    }

    public static func load(jsonLines text: String) throws -> [LabelledListing] {
        let decoder = JSONDecoder()
        var out: [LabelledListing] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            do { out.append(try decoder.decode(LabelledListing.self, from: Data(line.utf8))) } catch {
                throw EvaluationError.badLine(n + 1, "\(error)")
            }
        }
        return out
    }

    /// A plain-text table for the CLI and the issue note.
    public func render() -> String {
        func pct(_ x: Double) -> String { String(format: "%6.2f%%", x * 100) }
        var s = "listings: \(total)   verdict accuracy: \(pct(accuracy))   (target ≥ 98%, CMP7)\n\n"
        s += "category      precision   recall  accuracy   TP   FP   FN\n"
        for c in categories {
            s += c.category.padding(toLength: 12, withPad: " ", startingAt: 0)
            s += "  \(pct(c.precision))  \(pct(c.recall))  \(pct(c.accuracy))"
            s += String(format: " %4d %4d %4d\n", c.truePositives, c.falsePositives, c.falseNegatives)
        }
        s += "\nexpected → actual: "
        for e in [Verdict.pass, .review, .reject] {
            let row = confusion[e] ?? [:]
            s += "\(e.rawValue)→[pass \(row[.pass] ?? 0), review \(row[.review] ?? 0), reject \(row[.reject] ?? 0)]  "
        }
        s += "\n"
        if !mistakes.isEmpty {
            s += "\nmisjudged (\(mistakes.count)):\n"
            for m in mistakes {
                s += "  \(m.id): expected \(m.expected.rawValue), got \(m.actual.rawValue)  \(m.findings.joined(separator: "; "))\n"
            }
        }
        return s
    }
}

public enum EvaluationError: Error, CustomStringConvertible {
    case unknownMarket(String, String)
    case badLine(Int, String)
    public var description: String {
        switch self {
        case .unknownMarket(let id, let m): "\(id): unknown market \(m)"
        case .badLine(let n, let e): "line \(n): \(e)"
        }
    }
}

