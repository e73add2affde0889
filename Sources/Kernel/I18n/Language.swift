/// The console and API languages (K7).
public enum Language: String, Sendable, Codable, CaseIterable {
    case en
    case zh = "zh-CN"

    /// Picks zh-CN or en from an `Accept-Language` header by q-weight; English otherwise.
    public static func negotiate(_ header: String?) -> Language {
        guard let header, !header.isEmpty else { return .en }
        var best: (Language, Double)?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased(), !tag.isEmpty else { continue }
            var q = 1.0
            for p in parts.dropFirst() where p.hasPrefix("q=") {
                q = Double(p.dropFirst(2)) ?? 0
            }
            let lang: Language? = tag.hasPrefix("zh") ? .zh : (tag.hasPrefix("en") ? .en : nil)
            if let lang, q > 0, q > (best?.1 ?? -1) { best = (lang, q) }
        }
        return best?.0 ?? .en
    }

    public init?(code: String) {
        switch code.lowercased() {
        case "en", "en-us", "en-gb": self = .en
        case "zh", "zh-cn", "zh-hans": self = .zh
        default: return nil
        }
    }
}

/// A message in both languages, chosen at render time.
public struct LocalizedText: Sendable, Hashable, Codable {
    public let en: String
    public let zh: String
    public init(en: String, zh: String) { self.en = en; self.zh = zh }
    public func callAsFunction(_ language: Language) -> String { language == .zh ? zh : en }
}

import Foundation
