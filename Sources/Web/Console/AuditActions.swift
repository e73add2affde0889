import Kernel

/// What each audit action code means, as the verb phrase that follows the actor's name on a record's timeline
/// ("Chen Jie submitted the KYC application" / "陈杰 提交了资质审核申请") (issue 12 item 2, K5).
/// Every code the code base writes has a label: `AuditActionLabelTests` scans the sources for the codes written
/// (literal ones, and the families built from a status enum) and fails on one without a label here.
enum AuditActions {
    static let labels: [String: LocalizedText] = [
        // Parties: merchants, KYC, users, keys, sessions
        "merchant.created": .init(en: "created the merchant", zh: "创建了商户"),
        "merchant.updated": .init(en: "edited the merchant's profile", zh: "修改了商户资料"),
        "merchant.exit-requested": .init(en: "started the public exit notice", zh: "发起了退出经营公示"),
        "merchant.exit-withdrawn": .init(en: "withdrew the exit notice", zh: "撤回了退出经营公示"),
        "merchant.closed": .init(en: "closed the store", zh: "关闭了店铺"),
        "merchant.store-closed": .init(en: "closed the store for penalty points and took its listings down", zh: "因违规扣分关闭了店铺并下架其全部商品"),
        "merchant.sanctions-changed": .init(en: "changed the merchant's sanctions after a points change", zh: "因积分变化调整了商户的处罚措施"),
        "kyc.submitted": .init(en: "submitted the KYC application", zh: "提交了资质审核申请"),
        "kyc.document-added": .init(en: "uploaded a document", zh: "上传了一份材料"),
        "kyc.under-review": .init(en: "started the review", zh: "开始审核"),
        "kyc.approved": .init(en: "approved the KYC", zh: "通过了资质审核"),
        "kyc.rejected": .init(en: "rejected the KYC", zh: "驳回了资质审核"),
        "kyc.needs-more-info": .init(en: "asked for more information", zh: "要求补充材料"),
        "kyc.reopened": .init(en: "reopened KYC after a change of legal details", zh: "因主体信息变更重新开启资质审核"),
        "user.created": .init(en: "created a user", zh: "创建了用户"),
        "user.updated": .init(en: "changed a user", zh: "修改了用户"),
        "user.invited": .init(en: "invited a user by e-mail", zh: "通过邮件邀请了用户"),
        "user.invitation-accepted": .init(en: "accepted the invitation and set a password", zh: "接受了邀请并设置了密码"),
        "user.password-changed": .init(en: "changed their password", zh: "修改了密码"),
        "session.revoked": .init(en: "ended a session", zh: "结束了一个登录会话"),
        "session.revoked-others": .init(en: "ended all other sessions", zh: "结束了其他所有登录会话"),
        "two-factor.enrolment-started": .init(en: "started setting up two-factor sign-in", zh: "开始设置双重身份验证"),
        "two-factor.enabled": .init(en: "turned on two-factor sign-in", zh: "开启了双重身份验证"),
        "two-factor.code-refused": .init(en: "entered a refused two-factor code", zh: "输入的双重身份验证码被拒绝"),
        "two-factor.recovery-codes-regenerated": .init(en: "made new recovery codes", zh: "重新生成了恢复码"),
        "two-factor.reset": .init(en: "reset two-factor sign-in", zh: "重置了双重身份验证"),
        "api-key.created": .init(en: "created an API key", zh: "创建了 API 密钥"),
        "api-key.revoked": .init(en: "revoked an API key", zh: "吊销了 API 密钥"),
        "session.login": .init(en: "signed in to the console", zh: "登录了控制台"),
        // Compliance: listings, takedowns, penalties, catalogue, certificates, regulations
        "listing.created": .init(en: "created the listing (screened)", zh: "创建了商品（已筛查）"),
        "listing.updated": .init(en: "saved a new version of the listing (screened again)", zh: "保存了商品的新版本（已重新筛查）"),
        "listing.rescreened": .init(en: "re-screened the listing against a new catalogue", zh: "按新版规则目录重新筛查了商品"),
        "listing.draft": .init(en: "set the listing back to draft", zh: "将商品退回草稿"),
        "listing.screening": .init(en: "sent the listing to screening", zh: "将商品送去筛查"),
        "listing.active": .init(en: "cleared the listing for sale", zh: "放行了商品，允许在售"),
        "listing.needs-review": .init(en: "sent the listing to manual review", zh: "将商品转入人工复核"),
        "listing.rejected": .init(en: "rejected the listing", zh: "驳回了商品"),
        "listing.taken-down": .init(en: "took the listing down", zh: "下架了商品"),
        "takedown.opened": .init(en: "opened a takedown case (24 h clock started)", zh: "立案下架工单（24 小时时限开始计时）"),
        "takedown.open": .init(en: "reopened the takedown case", zh: "重新开启了下架工单"),
        "takedown.taken-down": .init(en: "decided the case: taken down", zh: "处置下架工单：已下架"),
        "takedown.cleared": .init(en: "decided the case: cleared (no violation)", zh: "处置下架工单：已放行（不构成违规）"),
        "takedown.changes-requested": .init(en: "decided the case: changes requested", zh: "处置下架工单：要求商户整改"),
        "takedown.fixed": .init(en: "closed the case: the new version no longer matches", zh: "关闭下架工单：新版本已不再命中"),
        "takedown.fix-proposed": .init(en: "proposed a fix with a new version", zh: "提交了整改后的新版本"),
        "takedown.breached": .init(en: "marked the case escalated: the 24 h limit passed", zh: "标记工单已升级：已超过 24 小时时限"),
        "penalty.issued": .init(en: "issued penalty points", zh: "开具了违规扣分"),
        "penalty.appealed": .init(en: "appealed the penalty", zh: "对扣分提出了申诉"),
        "penalty.appeal-upheld": .init(en: "decided the appeal: penalty upheld", zh: "审理申诉：维持扣分"),
        "penalty.appeal-reduced": .init(en: "decided the appeal: points reduced", zh: "审理申诉：减少扣分"),
        "penalty.appeal-overturned": .init(en: "decided the appeal: penalty revoked", zh: "审理申诉：撤销扣分"),
        "penalty.policy-changed": .init(en: "changed the penalty policy", zh: "修改了扣分规则"),
        "catalogue.bootstrapped": .init(en: "loaded the first rule catalogue", zh: "载入了初始规则目录"),
        "catalogue.proposed": .init(en: "proposed a catalogue change", zh: "提议了规则目录变更"),
        "catalogue.approved": .init(en: "approved a catalogue change (second officer)", zh: "批准了规则目录变更（双人复核）"),
        "catalogue.rejected": .init(en: "rejected a catalogue change", zh: "驳回了规则目录变更"),
        "rescreen.queued": .init(en: "started a re-screen", zh: "发起了重新筛查"),
        "certification.filed": .init(en: "filed a certificate", zh: "备案了资质证书"),
        "certification.revoked": .init(en: "revoked a certificate", zh: "吊销了资质证书"),
        "certification.expired": .init(en: "marked a certificate expired", zh: "将资质证书标记为已过期"),
        "regulation.recorded": .init(en: "recorded a regulation change", zh: "登记了法规变更"),
        "regulation.implemented": .init(en: "marked a regulation implemented in the catalogue", zh: "标记法规已落实到规则目录"),
        "country-risk.assessed": .init(en: "assessed a country's risk", zh: "评估了国别风险"),
        // Kernel and the other modules
        "deadline.due-soon": .init(en: "warned that the deadline is due soon", zh: "提醒时限即将到期"),
        "deadline.breached": .init(en: "escalated: the deadline was breached", zh: "升级处理：时限已超时"),
        "job.retried": .init(en: "retried a background job", zh: "重试了后台任务"),
        "job.discarded": .init(en: "discarded a background job", zh: "放弃了后台任务"),
        "personal-data.erased": .init(en: "erased personal data on request", zh: "按申请删除了个人信息"),
        "personal-data.retention": .init(en: "anonymised personal data past its retention period", zh: "匿名化了超过保存期限的个人信息"),
        "notification.sent": .init(en: "sent a notification", zh: "发送了通知"),
        "notification.dead": .init(en: "gave up delivering a notification", zh: "通知投递失败，已停止重试"),
        "webhook.created": .init(en: "added a webhook endpoint", zh: "添加了 Webhook 端点"),
        "webhook.updated": .init(en: "changed a webhook endpoint", zh: "修改了 Webhook 端点"),
        "webhook.deleted": .init(en: "deleted a webhook endpoint", zh: "删除了 Webhook 端点"),
        "webhook.secret-rotated": .init(en: "rotated a webhook signing secret", zh: "更换了 Webhook 签名密钥"),
        "webhook.resent": .init(en: "resent a webhook delivery", zh: "重新投递了 Webhook 消息"),
        "webhook.pinged": .init(en: "sent a test ping to a webhook endpoint", zh: "向 Webhook 端点发送了测试消息"),
    ]

    /// The sentence for `code`; a code without a label (a new one nobody named yet) reads as "recorded <code>".
    static func sentence(_ code: String, _ lang: Language) -> String {
        if let label = labels[code] { return label(lang) }
        return lang == .zh ? "记录了操作 \(code)" : "recorded \(code)"
    }

    /// Names of the `data` keys a timeline shows next to the sentence; keys not listed (hashes, internal ids) stay
    /// out of the reader's way (the audit log keeps them).
    static let detailKeys: [String: LocalizedText] = [
        "from": .init(en: "From", zh: "原状态"),
        "to": .init(en: "To", zh: "新状态"),
        "status": .init(en: "Status", zh: "状态"),
        "verdict": .init(en: "Screening verdict", zh: "筛查结论"),
        "version": .init(en: "Version", zh: "版本"),
        "violation": .init(en: "Violation", zh: "违规类型"),
        "points": .init(en: "Points", zh: "扣分"),
        "pointsBefore": .init(en: "Points before", zh: "原扣分"),
        "pointsAfter": .init(en: "Points after", zh: "现扣分"),
        "sla": .init(en: "Time limit", zh: "时限"),
        "companyName": .init(en: "Company", zh: "公司名称"),
        "licenceExpiresOn": .init(en: "Licence valid until", zh: "执照有效期至"),
        "kind": .init(en: "Document", zh: "材料类型"),
        "noticeEndsAt": .init(en: "Notice ends", zh: "公示截止"),
        "dueAt": .init(en: "Due", zh: "截止时间"),
        "role": .init(en: "Role", zh: "角色"),
        "markets": .init(en: "Markets", zh: "市场"),
        "findingsGone": .init(en: "Findings gone", zh: "命中已消除"),
        "listingsTakenDown": .init(en: "Listings taken down", zh: "下架商品数"),
        "sanctions": .init(en: "Sanctions", zh: "处罚措施"),
        "name": .init(en: "Name", zh: "名称"),
        "country": .init(en: "Country", zh: "国家或地区"),
        "fields": .init(en: "Fields", zh: "字段"),
    ]

    /// `data` keys that carry the human reason of a decision.
    static let reasonKeys = ["reason", "note"]
}
