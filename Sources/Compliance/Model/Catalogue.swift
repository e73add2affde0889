import Foundation
import Kernel

/// Destination markets with their own rule sets (CMP1). `global` rules apply to every market.
public enum Market: String, Sendable, Codable, CaseIterable {
    case cn = "CN", us = "US", eu = "EU", uk = "UK", jp = "JP", au = "AU", gcc = "GCC"
    case global = "GLOBAL"

    public static var destinations: [Market] { allCases.filter { $0 != .global } }

    /// A destination market from its code (case-insensitive); `GLOBAL` is a rule scope, not a destination.
    public init?(destination code: String) {
        guard let m = Market(rawValue: code.uppercased()), m != .global else { return nil }
        self = m
    }

    public var label: LocalizedText {
        switch self {
        case .cn: LocalizedText(en: "China (import)", zh: "中国（进口）")
        case .us: LocalizedText(en: "United States", zh: "美国")
        case .eu: LocalizedText(en: "European Union", zh: "欧盟")
        case .uk: LocalizedText(en: "United Kingdom", zh: "英国")
        case .jp: LocalizedText(en: "Japan", zh: "日本")
        case .au: LocalizedText(en: "Australia", zh: "澳大利亚")
        case .gcc: LocalizedText(en: "Gulf (GCC)", zh: "海湾国家")
        case .global: LocalizedText(en: "All markets", zh: "所有市场")
        }
    }
}

public enum RuleCategory: String, Sendable, Codable, CaseIterable {
    /// May not be sold into the market at all.
    case prohibited
    /// Allowed only with a named certificate or licence on file.
    case restricted
    /// A brand on the reference list: unauthorised use is likely infringement.
    case brand
    /// Advertising banned words and claims (China Advertising Law art. 9, health claims …).
    case adWord = "ad-word"
    /// Cross-cultural taboo for the market.
    case taboo
    /// Information a buyer must see is missing (C 5.3). Produced by the listing checks, not by catalogue rules.
    case disclosure
    /// A price claim the price history does not support (C 5.4). Produced by the listing checks.
    case pricing

    /// Categories a catalogue rule may have.
    public static let catalogued: [RuleCategory] = [.prohibited, .restricted, .brand, .adWord, .taboo]

    /// The verdict a live finding of this category forces.
    public var verdict: Verdict {
        switch self {
        case .prohibited, .brand, .pricing: .reject
        case .restricted, .adWord, .taboo, .disclosure: .review
        }
    }
}

public enum MatchMode: String, Sendable, Codable {
    /// Latin-script terms match whole words only ("gun" not in "gunmetal").
    case word
    case substring
}

/// One catalogue rule, citing the public instrument it comes from.
public struct CatalogueEntry: Sendable, Hashable, Codable {
    public var id: String
    public var market: Market
    public var category: RuleCategory
    public var term: String
    public var variants: [String]
    public var language: String
    public var match: MatchMode
    /// Certificates or licences of which any one turns a restricted finding into a note.
    public var requires: [String]
    public var severity: Int
    public var source: String
    public var sourceURL: String
    public var effectiveFrom: String
    public var note: String

    public init(id: String, market: Market, category: RuleCategory, term: String, variants: [String] = [], language: String = "any",
                match: MatchMode = .substring, requires: [String] = [], severity: Int = 3, source: String, sourceURL: String = "",
                effectiveFrom: String = "", note: String = "") {
        self.id = id; self.market = market; self.category = category; self.term = term; self.variants = variants
        self.language = language; self.match = match; self.requires = requires; self.severity = severity
        self.source = source; self.sourceURL = sourceURL; self.effectiveFrom = effectiveFrom; self.note = note
    }

    public var surfaces: [String] { [term] + variants }
}

/// An innocent phrase that contains a rule term ("ivory-coloured", "apple pie", "polo shirt").
public struct AllowPhrase: Sendable, Hashable, Codable {
    public var phrase: String
    public var language: String
    public var covers: String
    public var note: String
    public init(phrase: String, language: String = "any", covers: String = "", note: String = "") {
        self.phrase = phrase; self.language = language; self.covers = covers; self.note = note
    }
}

/// A versioned set of rules and allow-phrases.
public struct Catalogue: Sendable {
    public var entries: [CatalogueEntry]
    public var allowPhrases: [AllowPhrase]

    public init(entries: [CatalogueEntry], allowPhrases: [AllowPhrase] = []) {
        self.entries = entries; self.allowPhrases = allowPhrases
    }

    /// Content hash: a screening result records which catalogue decided it (snapshot rule).
    public var version: String {
        var text = ""
        for e in entries.sorted(by: { $0.id < $1.id }) {
            text += [e.id, e.market.rawValue, e.category.rawValue, e.term, e.variants.joined(separator: "|"), e.match.rawValue,
                     e.requires.joined(separator: "|"), String(e.severity)].joined(separator: "\u{1F}") + "\n"
        }
        for a in allowPhrases.sorted(by: { $0.phrase < $1.phrase }) { text += a.phrase + "\u{1F}" + a.covers + "\n" }
        return String(Digest.sha256Hex(text).prefix(16))
    }

    /// The market's rules, the global ones, and China's advertising-law words everywhere: the platform
    /// applies the Advertising Law's absolute-term ban to every advertisement it publishes (C 10.1).
    public func entries(for market: Market) -> [CatalogueEntry] {
        entries.filter { $0.market == market || $0.market == .global || ($0.market == .cn && $0.category == .adWord) }
    }
}
