/// Caps on how many findings one screening reports (CMP2): a text that names a brand ten thousand times needs the
/// first few hits per rule to be reviewed, not ten thousand. The verdict is always computed over every finding; the
/// cap keeps, per rule, active findings before notes, and overall, the findings that decide the verdict first, so the
/// kept findings always justify the verdict. What was cut is counted.
public struct FindingLimits: Sendable, Hashable {
    public var perRule: Int
    public var total: Int
    public init(perRule: Int = 20, total: Int = 200) {
        self.perRule = max(1, perRule); self.total = max(1, total)
    }
    public static let standard = FindingLimits()

    /// The findings kept (in their original order) and how many were cut.
    public func apply(_ findings: [Finding]) -> (kept: [Finding], omitted: Int) {
        let keep = keptIndices(findings)
        return (keep.map { findings[$0] }, findings.count - keep.count)
    }

    /// Indices of the findings kept, ascending.
    public func keptIndices(_ findings: [Finding]) -> [Int] {
        guard findings.count > min(perRule, total) else { return Array(findings.indices) }
        // Per rule: active first, then notes, each in text order.
        var byRule: [String: [Int]] = [:]
        for (i, f) in findings.enumerated() { byRule[f.ruleId, default: []].append(i) }
        var keep: [Int] = []
        for indices in byRule.values {
            let ordered = indices.filter { findings[$0].disposition == .active } + indices.filter { findings[$0].disposition != .active }
            keep += ordered.prefix(perRule)
        }
        if keep.count > total {
            // Overall: what forces the worst verdict first, then severity, then position.
            keep.sort { a, b in
                let fa = findings[a], fb = findings[b]
                let ka = (fa.disposition == .active ? 1 : 0, fa.disposition == .active ? fa.category.verdict.rank : 0, fa.severity)
                let kb = (fb.disposition == .active ? 1 : 0, fb.disposition == .active ? fb.category.verdict.rank : 0, fb.severity)
                return ka != kb ? ka > kb : a < b
            }
            keep = Array(keep.prefix(total))
        }
        keep.sort()
        return keep
    }
}
