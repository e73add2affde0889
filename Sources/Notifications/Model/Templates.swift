import Foundation
import Kernel

/// The texts of notifications, per language (K7), kept as data: `{{name}}` stands for a parameter. Adding a
/// template is adding an entry here; a missing parameter shows as `[name?]` instead of failing.
public enum NotificationTemplates {
    public struct Text: Sendable, Equatable {
        public let subject: String
        public let body: String
    }

    public struct Entry: Sendable {
        public let en: Text
        public let zh: Text
        public func text(_ language: Language) -> Text { language == .zh ? zh : en }
    }

    static func t(_ enSubject: String, _ enBody: String, _ zhSubject: String, _ zhBody: String) -> Entry {
        Entry(en: Text(subject: enSubject, body: enBody), zh: Text(subject: zhSubject, body: zhBody))
    }

    public static let table: [String: Entry] = [
        "deadline.due-soon": t(
            "Due soon: {{clock}} — {{subject}}",
            "“{{subject}}” ({{entity}} {{entityId}}): {{clock}} is due at {{dueAt}}. Act before it is breached.",
            "即将到期：{{clock}}——{{subject}}",
            "“{{subject}}”（{{entity}} {{entityId}}）的“{{clock}}”时限将于 {{dueAt}} 到期，请在超时前处理。"),
        "deadline.breached": t(
            "Breached: {{clock}} — {{subject}}",
            "“{{subject}}” ({{entity}} {{entityId}}): {{clock}} was due at {{dueAt}} and is now breached. It has been escalated and counts in the KPIs.",
            "已超时：{{clock}}——{{subject}}",
            "“{{subject}}”（{{entity}} {{entityId}}）的“{{clock}}”时限已于 {{dueAt}} 到期，现已超时，已升级处理并计入服务质量指标。"),
        "takedown.opened": t(
            "Takedown case opened for listing {{listingId}}",
            "A takedown case ({{category}}) was opened for listing {{listingId}}. It must be decided within 24 hours.",
            "商品 {{listingId}} 已立案下架审查",
            "商品 {{listingId}} 已立案下架审查（类别：{{category}}），须在 24 小时内作出处理决定。"),
        "takedown.decided": t(
            "Takedown case decided for listing {{listingId}}: {{decision}}",
            "The takedown case for listing {{listingId}} was decided: {{decision}}.",
            "商品 {{listingId}} 的下架审查已有结论：{{decision}}",
            "商品 {{listingId}} 的下架审查已作出决定：{{decision}}。"),
        "user.invited": t(
            "You are invited to Tradelane",
            "{{inviter}} invited you to Tradelane as {{role}}. Set your password within 7 days: {{link}}",
            "邀请您加入 Tradelane",
            "{{inviter}} 邀请您以“{{role}}”身份加入 Tradelane。请在 7 天内设置密码：{{link}}"),
        "kyc.submitted": t(
            "KYC submitted by {{merchantName}}",
            "{{merchantName}} submitted KYC documents for review.",
            "{{merchantName}} 已提交资质审核",
            "{{merchantName}} 已提交资质审核材料，请及时审核。"),
        "kyc.decided": t(
            "KYC review decided: {{decision}}",
            "The KYC review of {{merchantName}} was decided: {{decision}}.",
            "资质审核结果：{{decision}}",
            "{{merchantName}} 的资质审核结果为：{{decision}}。"),
        "job.dead": t(
            "Background job {{kind}} failed for good",
            "Job {{jobId}} ({{kind}}) failed {{attempts}} times and was dead-lettered. Retry or discard it on the Jobs page.",
            "后台任务 {{kind}} 已彻底失败",
            "后台任务 {{jobId}}（{{kind}}）已失败 {{attempts}} 次并转入死信，请在“任务”页面重试或丢弃。"),
        "webhook.failing": t(
            "Webhook endpoint {{url}} is failing",
            "Deliveries to {{url}} have failed {{failures}} times in a row. Check the endpoint; deliveries are retried.",
            "Webhook 地址 {{url}} 投递失败",
            "向 {{url}} 的投递已连续失败 {{failures}} 次，请检查接收地址；系统会继续重试。"),
    ]

    /// A template nobody registered still shows something (the name and parameters the caller gave are not shown:
    /// only a template decides which parameters are safe to display).
    static let unknown = t("Notification: {{template}}", "You have a new notification ({{template}}).",
                           "新通知：{{template}}", "您有一条新通知（{{template}}）。")

    /// The names a template uses, in both languages.
    public static func placeholders(of entry: Entry) -> Set<String> {
        var names = Set<String>()
        for s in [entry.en.subject, entry.en.body, entry.zh.subject, entry.zh.body] { names.formUnion(placeholders(in: s)) }
        return names
    }

    static func placeholders(in text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else { break }
            out.append(String(rest[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return out
    }

    /// Fills `{{name}}` from `params`; a missing one renders as `[name?]`. Control characters in values become
    /// spaces (a value cannot start a new header line in an e-mail).
    public static func fill(_ text: String, _ params: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else { break }
            out += rest[rest.startIndex..<open.lowerBound]
            let name = String(rest[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespaces)
            if let value = params[name] {
                out += String(value.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : Character($0) })
            } else {
                out += "[\(name)?]"
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    public struct Rendered: Sendable, Equatable {
        public let subject: String
        public let body: String
        /// The parameters kept: those the template uses.
        public let params: [String: String]
    }

    /// A parameter may come in both languages: `name` (English) and `name@zh` (Chinese, used when rendering in
    /// Chinese), e.g. a clock's label; both are kept when the template uses `name`.
    public static func render(_ template: String, params: [String: String], language: Language) -> Rendered {
        let entry = table[template] ?? unknown
        let used = placeholders(of: entry)
        var kept = params.filter { used.contains($0.key) || ($0.key.hasSuffix("@zh") && used.contains(String($0.key.dropLast(3)))) }
        if table[template] == nil { kept = ["template": template] }
        let text = entry.text(language)
        var values = kept
        if language == .zh {
            for (k, v) in kept where k.hasSuffix("@zh") { values[String(k.dropLast(3))] = v }
        }
        return Rendered(subject: fill(text.subject, values), body: fill(text.body, values), params: kept)
    }
}
