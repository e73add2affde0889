/// What a role may do, as data (issue 11 item 4; K3 least privilege): one enum of permissions and one grant table.
/// Services check `Principal.require(_:)`; the console asks `Principal.can(_:)` to show or hide an action, so the API
/// and the console cannot disagree. `docs/permissions.md` is generated from this table (`tradelane permissions`),
/// and a test walks every API route with every role against it.
public enum Permission: String, Sendable, Codable, CaseIterable {
    // Parties
    case merchantsCreate = "merchants.create"
    case merchantsUpdate = "merchants.update"
    case merchantsExit = "merchants.exit"
    case merchantsClose = "merchants.close"
    case kycSubmit = "kyc.submit"
    case kycRead = "kyc.read"
    case kycReview = "kyc.review"
    case usersRead = "users.read"
    case usersManage = "users.manage"
    case usersResetTwoFactor = "users.reset-two-factor"
    case apiKeysManage = "api-keys.manage"
    case auditRead = "audit.read"
    // Compliance
    case listingsWrite = "listings.write"
    case listingsModerate = "listings.moderate"
    case takedownsReport = "takedowns.report"
    case takedownsDecide = "takedowns.decide"
    case takedownsStats = "takedowns.stats"
    case catalogueRead = "catalogue.read"
    case catalogueEdit = "catalogue.edit"
    case rescreensRead = "rescreens.read"
    case rescreensStart = "rescreens.start"
    case regulationsEdit = "regulations.edit"
    case penaltiesIssue = "penalties.issue"
    case penaltiesPolicy = "penalties.policy"
    case penaltiesAppeal = "penalties.appeal"
    case appealsDecide = "appeals.decide"
    case certificationsFile = "certifications.file"
    case certificationsRevoke = "certifications.revoke"
    // Webhooks
    case webhooksManage = "webhooks.manage"
    // Kernel
    case jobsOperate = "jobs.operate"

    public var label: LocalizedText {
        switch self {
        case .merchantsCreate: LocalizedText(en: "create merchants", zh: "创建商户")
        case .merchantsUpdate: LocalizedText(en: "edit a merchant's profile", zh: "修改商户资料")
        case .merchantsExit: LocalizedText(en: "request or withdraw a store exit", zh: "申请或撤回退出经营")
        case .merchantsClose: LocalizedText(en: "close a store after its notice period", zh: "公示期满后关闭店铺")
        case .kycSubmit: LocalizedText(en: "submit KYC and its documents", zh: "提交资质审核材料")
        case .kycRead: LocalizedText(en: "read KYC submissions and documents", zh: "查看资质审核材料")
        case .kycReview: LocalizedText(en: "review KYC submissions", zh: "审核商户资质")
        case .usersRead: LocalizedText(en: "see users", zh: "查看用户")
        case .usersManage: LocalizedText(en: "create users, change roles, disable users", zh: "创建用户、变更角色、停用用户")
        case .usersResetTwoFactor: LocalizedText(en: "reset another user's two-factor sign-in", zh: "重置其他用户的两步验证")
        case .apiKeysManage: LocalizedText(en: "create, list and revoke API keys", zh: "创建、查看和吊销 API 密钥")
        case .auditRead: LocalizedText(en: "read the audit log", zh: "查看操作审计日志")
        case .listingsWrite: LocalizedText(en: "create and edit listings", zh: "创建和编辑商品")
        case .listingsModerate: LocalizedText(en: "moderate listings", zh: "审核商品")
        case .takedownsReport: LocalizedText(en: "report a listing for takedown", zh: "提报商品下架")
        case .takedownsDecide: LocalizedText(en: "decide takedown cases", zh: "处置下架案件")
        case .takedownsStats: LocalizedText(en: "see takedown statistics", zh: "查看下架统计")
        case .catalogueRead: LocalizedText(en: "see catalogue versions and changes", zh: "查看规则目录版本与变更")
        case .catalogueEdit: LocalizedText(en: "propose, import, approve and reject catalogue changes", zh: "提议、导入、批准和驳回规则目录变更")
        case .rescreensRead: LocalizedText(en: "see re-screen jobs", zh: "查看重新筛查任务")
        case .rescreensStart: LocalizedText(en: "start re-screens", zh: "发起重新筛查")
        case .regulationsEdit: LocalizedText(en: "record regulations and assess country risk", zh: "登记法规并评估国别风险")
        case .penaltiesIssue: LocalizedText(en: "issue penalties", zh: "开具违规扣分")
        case .penaltiesPolicy: LocalizedText(en: "change the penalty policy", zh: "修改扣分规则")
        case .penaltiesAppeal: LocalizedText(en: "appeal penalties", zh: "对扣分提出申诉")
        case .appealsDecide: LocalizedText(en: "decide appeals", zh: "处理申诉")
        case .certificationsFile: LocalizedText(en: "file certificates", zh: "备案资质证书")
        case .certificationsRevoke: LocalizedText(en: "revoke certificates", zh: "吊销资质证书")
        case .webhooksManage: LocalizedText(en: "manage webhook endpoints and see their deliveries", zh: "管理 Webhook 端点并查看投递记录")
        case .jobsOperate: LocalizedText(en: "see and steer background jobs", zh: "查看和处置后台任务")
        }
    }

    /// The module that owns the rule (for the generated documentation).
    public var module: String {
        switch self {
        case .merchantsCreate, .merchantsUpdate, .merchantsExit, .merchantsClose, .kycSubmit, .kycRead, .kycReview, .usersRead,
             .usersManage, .usersResetTwoFactor, .apiKeysManage, .auditRead: "parties"
        case .jobsOperate: "kernel"
        case .webhooksManage: "webhooks"
        default: "compliance"
        }
    }
}

/// How far a grant reaches: everything, or only the caller's own merchant's records (merchant roles).
public enum GrantScope: String, Sendable, Codable {
    case all
    case ownMerchant = "own-merchant"
}

/// The one grant table. Merchant roles are always scoped to their own merchant; services apply the scope in SQL.
public enum PermissionTable {
    public static let grants: [Role: [Permission: GrantScope]] = {
        let operatorRead: [Permission] = [.takedownsStats, .catalogueRead, .rescreensRead]
        let officer: [Permission] = operatorRead + [.kycRead, .kycReview, .auditRead, .listingsModerate, .takedownsReport, .takedownsDecide,
                                                    .catalogueEdit, .rescreensStart, .regulationsEdit, .penaltiesIssue, .appealsDecide,
                                                    .certificationsRevoke]
        func all(_ ps: [Permission]) -> [Permission: GrantScope] { Dictionary(ps.map { ($0, .all) }, uniquingKeysWith: { a, _ in a }) }
        func own(_ ps: [Permission]) -> [Permission: GrantScope] { Dictionary(ps.map { ($0, .ownMerchant) }, uniquingKeysWith: { a, _ in a }) }
        return [
            .operatorAdmin: all(Permission.allCases),
            .complianceOfficer: all(officer),
            .csAgent: all(operatorRead),
            .finance: all(operatorRead),
            .merchantAdmin: own([.merchantsUpdate, .merchantsExit, .kycSubmit, .kycRead, .usersRead, .usersManage, .apiKeysManage, .auditRead,
                                 .listingsWrite, .penaltiesAppeal, .certificationsFile, .webhooksManage]),
            .merchantStaff: own([.listingsWrite, .certificationsFile]),
        ]
    }()

    public static func scope(of permission: Permission, for role: Role) -> GrantScope? { grants[role]?[permission] }
}

extension Principal {
    /// Whether this caller's role holds `permission` (for a merchant role: on its own merchant's records).
    public func can(_ permission: Permission) -> Bool { PermissionTable.scope(of: permission, for: role) != nil }

    /// Throws 403 naming the permission, in the caller's language.
    public func require(_ permission: Permission) throws(CommonError) {
        if !can(permission) { throw .denied(permission, role: role) }
    }
}

extension Principal {
    /// `can(permission)` on a record of `merchantId`: a merchant role only on its own merchant's.
    public func may(_ permission: Permission, onMerchant merchantId: MerchantID?) -> Bool {
        switch PermissionTable.scope(of: permission, for: role) {
        case .all?: true
        case .ownMerchant?: merchantId != nil && merchantId == self.merchantId
        case nil: false
        }
    }

    public func require(_ permission: Permission, onMerchant merchantId: MerchantID?) throws(CommonError) {
        if !may(permission, onMerchant: merchantId) { throw .denied(permission, role: role) }
    }
}
