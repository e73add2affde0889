import Compliance
import Foundation
import Hummingbird
import Kernel
import Parties

/// A record's history on its page (issue 12 item 2): every audit entry of the record, newest first, one page at a
/// time, readable — the actor by name and role, the action as a sentence, the time in the reader's time zone, the
/// reason and the details that matter — in the reader's language. Rendered by `templates/timeline.mustache`
/// (`{{> timeline}}` inside `{{#timeline}}`).
struct TimelineModel: Sendable {
    struct Detail: Sendable {
        let label: String
        let value: String
    }

    struct Entry: Sendable {
        let seq: Int64
        let action: String
        let time: String
        let iso: String
        let actorName: String
        let actorRole: String
        let hasActorRole: Bool
        let actorId: String
        /// A person's or key's id is offered on hover; a system actor has none worth showing.
        let actorIsAccount: Bool
        let sentence: String
        let entryReason: String
        let hasEntryReason: Bool
        let details: [Detail]
        let hasDetails: Bool
    }

    let entries: [Entry]
    /// Older entries (nil on the last page).
    let olderHref: String?
    /// The reader may not read the audit log (the record itself is still shown).
    let hidden: Bool
}

/// Builds `TimelineModel`s; the query parameter `tl` pages through older entries.
struct TimelineBuilder {
    static let pageSize = 50
    let routes: ConsoleRoutes

    func build(_ targets: [AuditTarget], _ r: Request, _ c: AppRequestContext, by p: Principal) async throws -> TimelineModel {
        guard p.can(.auditRead) else { return TimelineModel(entries: [], olderHref: nil, hidden: true) }
        let after = Query(request: r).string("tl")
        let page = try await AuditLog.timeline(routes.services.db, targets, limit: Self.pageSize, after: after, by: p)
        let actors = try await routes.parties.users.actors(page.items.map(\.actor), by: p)
        let lang = c.language
        let entries = page.items.map { e -> TimelineModel.Entry in
            let actor = Self.actorLabel(e.actor, actors[e.actor], lang)
            let data = Self.data(e.data)
            let reason = AuditActions.reasonKeys.compactMap { data[$0] }.first { !$0.isEmpty } ?? ""
            let details = data.keys.sorted().compactMap { key -> TimelineModel.Detail? in
                guard let label = AuditActions.detailKeys[key], let raw = data[key], !raw.isEmpty else { return nil }
                return .init(label: label(lang), value: Self.value(key, raw, entity: e.entity, lang: lang, routes: routes))
            }
            return .init(seq: e.seq, action: e.action, time: Self.time(e.at, lang), iso: e.at.rfc3339, actorName: actor.name,
                         actorRole: actor.role, hasActorRole: !actor.role.isEmpty, actorId: e.actor, actorIsAccount: e.actor.hasPrefix("usr_") || e.actor.hasPrefix("key_"),
                         sentence: AuditActions.sentence(e.action, lang), entryReason: reason, hasEntryReason: !reason.isEmpty,
                         details: details, hasDetails: !details.isEmpty)
        }
        var older: String?
        if let next = page.next {
            let keep = r.uri.queryParameters.compactMap { kv -> String? in
                String(kv.key) == "tl" ? nil : "\(ConsoleRoutes.urlEncode(String(kv.key)))=\(ConsoleRoutes.urlEncode(String(kv.value)))"
            }
            older = "?" + (keep + ["tl=\(next)"]).joined(separator: "&") + "#timeline"
        }
        return TimelineModel(entries: entries, olderHref: older, hidden: false)
    }

    /// "Chen Jie" with "Merchant admin"; an operator's staff member seen by a merchant: "Tradelane" with the role;
    /// the platform's own jobs: "System". Never a bare `usr_…`.
    static func actorLabel(_ id: String, _ a: ActorName?, _ lang: Language) -> (name: String, role: String) {
        let role = a?.role?.label(lang) ?? ""
        if a?.kind == .system || id == "system" || id.hasPrefix("system:") {
            return (lang == .zh ? "系统" : "System", lang == .zh ? "自动处理" : "automatic")
        }
        if a?.kind == .apiKey || id.hasPrefix("key_") {
            let name = a?.name.map { lang == .zh ? "API 密钥“\($0)”" : "API key “\($0)”" }
            return (name ?? (lang == .zh ? "API 密钥" : "API key"), role)
        }
        if let name = a?.name { return (name, role) }
        if a?.role?.isOperator == true { return (lang == .zh ? "平台工作人员" : "Tradelane staff", role) }
        return (lang == .zh ? "未知用户" : "Unknown user", role)
    }

    static func data(_ json: String) -> [String: String] {
        guard let d = json.data(using: .utf8), let obj = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return [:] }
        return obj.compactMapValues { $0 as? String }
    }

    /// Status codes by the record's own labels, times in the reader's zone, yes/no in words.
    static func value(_ key: String, _ raw: String, entity: String, lang: Language, routes: ConsoleRoutes) -> String {
        switch key {
        case "from", "to", "status":
            switch entity {
            case "kyc": return KYCStatus(rawValue: raw)?.label(lang) ?? raw
            case "listing": return ListingStatus(rawValue: raw).map { ListingsPage.label($0)(lang) } ?? raw
            case "merchant": return MerchantStatus(rawValue: raw)?.label(lang) ?? raw
            case "takedown-case": return ConsoleStrings.table["takedown.\(raw)"]?(lang) ?? raw
            case "penalty": return ConsoleStrings.table["penalty.\(raw)"]?(lang) ?? raw
            default: return raw
            }
        case "verdict": return verdictLabel(raw, lang)
        case "violation": return ConsoleStrings.table["violation.\(raw)"]?(lang) ?? raw
        case "sla": return ConsoleStrings.table["sla.\(raw)"]?(lang) ?? raw
        case "role": return Role(rawValue: raw)?.label(lang) ?? raw
        case "findingsGone": return raw == "true" ? (lang == .zh ? "是" : "yes") : raw == "false" ? (lang == .zh ? "否" : "no") : raw
        case "kind": return KYCDocumentKind(rawValue: raw).map { documentKind($0, lang) } ?? raw
        case "dueAt", "noticeEndsAt":
            return ISO8601DateFormatter().date(from: raw).map { time($0, lang) } ?? raw
        default: return raw
        }
    }

    static func verdictLabel(_ raw: String, _ lang: Language) -> String {
        switch raw {
        case "pass": lang == .zh ? "通过" : "Pass"
        case "review": lang == .zh ? "需人工复核" : "Review"
        case "reject": lang == .zh ? "拒绝" : "Reject"
        default: raw
        }
    }

    static func documentKind(_ k: KYCDocumentKind, _ lang: Language) -> String {
        switch k {
        case .businessLicence: lang == .zh ? "营业执照" : "Business licence"
        case .idDocument: lang == .zh ? "法定代表人身份证件" : "ID document"
        case .taxRegistration: lang == .zh ? "税务登记证明" : "Tax registration"
        case .importExportLicence: lang == .zh ? "进出口经营资质" : "Import/export licence"
        case .other: lang == .zh ? "其他材料" : "Other"
        }
    }

    /// The console counts time on the Chinese calendar (Asia/Shanghai, UTC+8) and says so; the page's script
    /// rewrites each `<time>` into the browser's own time zone when it differs.
    static func time(_ d: Date, _ lang: Language) -> String {
        var style = Date.FormatStyle(date: .numeric, time: .shortened, locale: Locale(identifier: lang == .zh ? "zh_CN" : "en_GB"),
                                     timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        style.calendar = Calendar(identifier: .gregorian)
        return d.formatted(style) + " (UTC+8)"
    }
}
