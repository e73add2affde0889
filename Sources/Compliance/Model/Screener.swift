import Foundation

public enum Verdict: String, Sendable, Codable, Comparable, CaseIterable {
    case pass, review, reject
    var rank: Int { self == .pass ? 0 : self == .review ? 1 : 2 }
    public static func < (l: Verdict, r: Verdict) -> Bool { l.rank < r.rank }
}

/// The text of a listing to screen, field by field.
public struct ScreeningInput: Sendable {
    public var title: String
    public var description: String
    public var attributes: [(name: String, value: String)]
    public var imageTexts: [String]

    public init(title: String, description: String = "", attributes: [(name: String, value: String)] = [], imageTexts: [String] = []) {
        self.title = title; self.description = description; self.attributes = attributes; self.imageTexts = imageTexts
    }

    /// (field path, text) pairs in a stable order.
    public var fields: [(String, String)] {
        [("title", title), ("description", description)]
            + attributes.map { ("attributes.\($0.name)", $0.value) }
            + imageTexts.enumerated().map { ("images[\($0.offset)]", $0.element) }
    }
}

/// What the merchant has on file that can clear a finding.
public struct ScreeningContext: Sendable {
    /// Brand terms or rule ids the merchant is authorised to sell.
    public var authorisedBrands: Set<String>
    let authorisedSkeletons: Set<[UInt32]>
    /// Certificates and licences on file (CE, FCC, UN38.3 …), compared case-insensitively.
    public var certificates: Set<String>
    public init(authorisedBrands: Set<String> = [], certificates: Set<String> = []) {
        self.authorisedBrands = Set(authorisedBrands.map { $0.lowercased() })
        // Compared in the normalised alphabet, so "Lancome" authorises "Lancôme".
        self.authorisedSkeletons = Set(authorisedBrands.map { TextNormalizer.shared.skeleton($0) })
        self.certificates = Set(certificates.map { $0.uppercased() })
    }
}

/// One explained hit: which rule, which term, where (UTF-16 offsets into the field's original text).
public struct Finding: Sendable, Hashable, Codable {
    public enum Disposition: String, Sendable, Codable {
        /// Counts toward the verdict.
        case active
        /// Cleared by an authorisation, a certificate on file or an allow-phrase; kept as a note.
        case note
    }

    public let ruleId: String
    public let category: RuleCategory
    public let term: String
    public let matched: String
    public let field: String
    public let start: Int
    public let end: Int
    public let source: String
    public let severity: Int
    public var disposition: Disposition
    public var reason: String?
}

public struct ScreeningResult: Sendable {
    public let verdict: Verdict
    public let findings: [Finding]
    public let catalogueVersion: String
    /// Findings cut by `FindingLimits` (the verdict counts them all).
    public var omittedFindings: Int = 0
}

/// A compiled matcher for one market: every rule surface form and allow-phrase in one automaton.
public struct Screener: Sendable {
    enum Pattern: Sendable {
        case rule(entry: Int, words: [[UInt32]], cjk: Bool)
        case allow(phrase: Int)
    }

    public let market: Market
    public let catalogueVersion: String
    let entries: [CatalogueEntry]
    let allow: [AllowPhrase]
    let patterns: [Pattern]
    let automaton: AhoCorasick

    public init(catalogue: Catalogue, market: Market, normalizer: TextNormalizer = .shared) {
        self.market = market
        catalogueVersion = catalogue.version
        entries = catalogue.entries(for: market)
        allow = catalogue.allowPhrases
        var skeletons: [[UInt32]] = []
        var patterns: [Pattern] = []
        for (i, e) in entries.enumerated() {
            var seen = Set<[UInt32]>()
            // China's advertising words reach other markets only in their Chinese forms ("最佳", not "best").
            let cjkOnly = e.market == .cn && market != .cn
            for surface in e.surfaces where !cjkOnly || Screener.isCJK(surface) {
                let sk = normalizer.skeleton(surface)
                // A one-letter skeleton ("#1" → "i", "枪") would fire on every such letter: never a usable term.
                guard sk.count >= 2, seen.insert(sk).inserted else { continue }
                skeletons.append(sk)
                patterns.append(.rule(entry: i, words: normalizer.words(surface), cjk: Screener.isCJK(surface)))
            }
        }
        for (i, a) in allow.enumerated() {
            let sk = normalizer.skeleton(a.phrase)
            guard !sk.isEmpty else { continue }
            skeletons.append(sk)
            patterns.append(.allow(phrase: i))
        }
        self.patterns = patterns
        automaton = AhoCorasick(patterns: skeletons)
    }

    static func isCJK(_ s: String) -> Bool {
        s.unicodeScalars.contains { (0x3040...0x30FF).contains($0.value) || (0x3400...0x9FFF).contains($0.value) || (0xAC00...0xD7AF).contains($0.value) }
    }

    public func screen(_ input: ScreeningInput, context: ScreeningContext = .init(), limits: FindingLimits = .standard) -> ScreeningResult {
        var findings: [Finding] = []
        var budget = RuleBudget(perRule: limits.perRule)
        for (field, text) in input.fields where !text.isEmpty {
            findings += screen(field: field, text: text, context: context, budget: &budget)
        }
        // Skipped hits belong to rules that already have a live finding here, so they cannot change the verdict.
        let verdict = findings.filter { $0.disposition == .active }.map(\.category.verdict).max() ?? .pass
        let (kept, omitted) = limits.apply(findings)
        return ScreeningResult(verdict: verdict, findings: kept, catalogueVersion: catalogueVersion,
                               omittedFindings: omitted + budget.skipped)
    }

    /// Per rule: how many live findings and notes were built. Once a rule has `perRule` live findings (or `perRule`
    /// notes and a live one), `FindingLimits` would drop its further hits anyway, so they are only counted — building
    /// a finding (offsets, the matched text, the compatibility and allow-phrase checks) is the expensive part of a
    /// text that repeats a term thousands of times.
    struct RuleBudget {
        let perRule: Int
        var built: [Int: (active: Int, notes: Int)] = [:]
        var skipped = 0
        func isSpent(_ entry: Int) -> Bool {
            built[entry].map { $0.active >= perRule || ($0.notes >= perRule && $0.active > 0) } ?? false
        }
        mutating func record(_ entry: Int, active: Bool) {
            let b = built[entry] ?? (0, 0)
            built[entry] = active ? (b.active + 1, b.notes) : (b.active, b.notes + 1)
        }
    }

    func screen(field: String, text: String, context: ScreeningContext) -> [Finding] {
        var budget = RuleBudget(perRule: .max)
        return screen(field: field, text: text, context: context, budget: &budget)
    }

    func screen(field: String, text: String, context: ScreeningContext, budget: inout RuleBudget) -> [Finding] {
        let nt = NormalizedText(text)
        var ruleHits: [(entry: Int, first: Int, last: Int, firstChar: Int, lastChar: Int)] = []
        // Character spans are UTF-8 offsets of the first and last original characters: ordered, so they compare.
        var allowSpans: [(Int, Int, String)] = []   // original character spans of allow-phrases, with what they cover
        automaton.scan(nt.scalars) { m in
            let r = nt.characterSpan(first: m.first, last: m.last)
            switch patterns[m.pattern] {
            case .allow(let i):
                allowSpans.append((r.firstChar, r.lastChar, allow[i].covers.lowercased()))
            case .rule(let i, let words, let cjk):
                guard accept(nt, entry: entries[i], words: words, cjk: cjk, firstChar: r.firstChar, lastChar: r.lastChar) else { return }
                ruleHits.append((i, m.first, m.last, r.firstChar, r.lastChar))
            }
        }
        // One finding per rule and place: drop hits of the same rule nested in a longer one.
        ruleHits.sort { ($0.entry, $0.firstChar, -$0.lastChar) < ($1.entry, $1.firstChar, -$1.lastChar) }
        var kept: [(entry: Int, first: Int, last: Int, firstChar: Int, lastChar: Int)] = []
        for h in ruleHits {
            if let prev = kept.last, prev.entry == h.entry, prev.firstChar <= h.firstChar, prev.lastChar >= h.lastChar { continue }
            kept.append(h)
        }
        // Once per field, not per finding: a text with thousands of hits must not copy itself thousands of times.
        let utf16 = kept.isEmpty ? [] : Array(text.utf16)
        var out: [Finding] = []
        for h in kept {
            if budget.isSpent(h.entry) { budget.skipped += 1; continue }
            let e = entries[h.entry]
            let r = nt.originalRange(first: h.first, last: h.last)
            let matched = String(decoding: utf16[r.start..<r.end], as: UTF16.self)
            var f = Finding(ruleId: e.id, category: e.category, term: e.term, matched: matched, field: field, start: r.start, end: r.end,
                            source: e.source, severity: e.severity, disposition: .active, reason: nil)
            // An innocent phrase ("ivory-coloured", "glue gun", "mammoth ivory") clears a rule hit that overlaps it,
            // unless the rule matches the whole phrase itself (a rule written for exactly that phrase still applies).
            if let span = allowSpans.first(where: { $0.0 <= h.lastChar && $0.1 >= h.firstChar && !(h.firstChar <= $0.0 && h.lastChar >= $0.1) }) {
                f.disposition = .note
                f.reason = "allow-phrase: \(nt.characters(firstChar: span.0, lastChar: span.1))"
            } else if e.category == .brand, let cue = Screener.compatibilityCue(units: utf16, start: r.start, end: r.end) {
                // Naming a brand to say what an accessory fits is nominative use, not infringement.
                f.disposition = .note
                f.reason = "compatibility reference: \(cue)"
            } else if e.category == .brand, !context.authorisedBrands.isEmpty, context.authorisedBrands.contains(e.id.lowercased())
                        || e.surfaces.contains(where: { context.authorisedSkeletons.contains(TextNormalizer.shared.skeleton($0)) }) {
                f.disposition = .note
                f.reason = "authorised brand"
            } else if e.category == .restricted, let cert = e.requires.first(where: { context.certificates.contains($0.uppercased()) }) {
                f.disposition = .note
                f.reason = "certificate on file: \(cert)"
            }
            budget.record(h.entry, active: f.disposition == .active)
            out.append(f)
        }
        return out
    }

    static let compatibilityBefore = ["for", "compatible with", "compatible", "fits", "fit", "not made by", "not affiliated with", "not by",
                                      "适用于", "适用", "兼容", "适配", "对应", "適用", "対応", "用于", "非"]
    static let compatibilityAfter = ["compatible", "兼容", "対応", "适用"]
    /// Cues that cover a whole list of models: "compatible models: iPhone 15 / Redmi Note 13", "适用机型：华为、小米". They
    /// count anywhere earlier in the same clause; the weak "for" only right before the brand ("for Samsung").
    static let compatibilityListCues = ["compatible with", "compatible model", "compatible for", "compatible devices", "replacement for",
                                        "适用于", "适用机型", "适用型号", "兼容", "适配", "適用", "対応機種"]
    static let clauseBreaks: Set<Character> = [".", ";", "|", "\n", "。", "；", "！", "？", "!", "?"]

    /// A cue word just before the brand ("for Samsung", "适用于华为"), earlier in the same list of models ("compatible
    /// models: iPhone 15 / Redmi Note 13") or just after it ("iPhone 15 Case Compatible").
    static func compatibilityCue(_ text: String, start: Int, end: Int) -> String? {
        compatibilityCue(units: Array(text.utf16), start: start, end: end)
    }

    static func compatibilityCue(units: [UInt16], start: Int, end: Int) -> String? {
        let before = String(decoding: units[max(0, start - 16)..<start], as: UTF16.self).lowercased()
        let after = String(decoding: units[end..<min(units.count, end + 24)], as: UTF16.self).lowercased()
        let trimmed = before.trimmingCharacters(in: .whitespaces)
        for cue in compatibilityBefore {
            let latin = cue.unicodeScalars.allSatisfy(\.isASCII)
            if latin ? (trimmed.hasSuffix(" " + cue) || trimmed == cue) : before.contains(cue) { return cue }
        }
        let window = String(decoding: units[max(0, start - 80)..<start], as: UTF16.self).lowercased()
        let clause = window.split(omittingEmptySubsequences: false, whereSeparator: { clauseBreaks.contains($0) }).last ?? ""
        for cue in compatibilityListCues where clause.contains(cue) { return cue }
        for cue in compatibilityAfter where after.contains(cue) { return cue }
        return nil
    }

    /// Word-boundary and spacing rules that separate real hits from accidental ones.
    func accept(_ nt: NormalizedText, entry: CatalogueEntry, words: [[UInt32]], cjk: Bool, firstChar: Int, lastChar: Int) -> Bool {
        if entry.match == .word && !cjk && !nt.isWordBounded(firstChar: firstChar, lastChar: lastChar) { return false }
        if cjk { return true }
        let pieces = nt.pieces(firstChar: firstChar, lastChar: lastChar)
        if pieces.count <= 1 { return true }
        // Natural multi-word match ("ralph lauren"), or letters spaced out to dodge filters ("n i k e").
        if pieces.count == words.count && zip(pieces, words).allSatisfy({ $0.0 == $0.1.count }) { return true }
        return pieces.allSatisfy { $0 <= 2 }
    }
}
