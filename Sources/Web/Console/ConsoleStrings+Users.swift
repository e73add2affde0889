import Kernel

extension ConsoleStrings {
    /// Users, invitations and the nav entry for them (issue 12 item 8).
    static let users: [String: LocalizedText] = [
        "users": .init(en: "Users", zh: "用户"),
        "usersIntro": .init(en: "Everyone who signs in to the console, with their role. Invite people by e-mail: they choose their own password through the link, which works once and for 7 days.",
                            zh: "所有登录控制台的人员及其角色。通过邮件邀请新成员：对方通过邀请链接自行设置密码，链接仅可使用一次，7 天内有效。"),
        "inviteUser": .init(en: "Invite a user", zh: "邀请用户"),
        "displayName": .init(en: "Name", zh: "姓名"),
        "merchantForMerchantRoles": .init(en: "Merchant (merchant roles only)", zh: "所属商户（仅商户角色）"),
        "sendInvitation": .init(en: "Send invitation", zh: "发送邀请"),
        "changeRole": .init(en: "Change role", zh: "变更角色"),
        "resendInvitation": .init(en: "New invitation link", zh: "重新发送邀请"),
        "deactivate": .init(en: "Deactivate", zh: "停用"),
        "reactivate": .init(en: "Reactivate", zh: "恢复"),
        "inviteTitle": .init(en: "Set your password", zh: "设置密码"),
        "newPassword": .init(en: "New password", zh: "新密码"),
        "passwordRule": .init(en: "At least 12 characters; a sentence you can remember works well.", zh: "至少 12 个字符；使用一句便于记忆的话即可。"),
        "repeatPassword": .init(en: "Repeat the password", zh: "再次输入密码"),
        "setPassword": .init(en: "Set password", zh: "设置密码"),
        "newMerchant": .init(en: "New merchant", zh: "新建商户"),
        "newMerchantIntro": .init(en: "A new store starts in onboarding. Invite its merchant admin from Users next; they submit the KYC documents for review.",
                                  zh: "新建的店铺处于入驻中状态。随后请在“用户”页邀请其商户管理员，由其提交资质审核材料。"),
        "storeName": .init(en: "Store name", zh: "店铺名称"),
        "legalNameOptional": .init(en: "Legal name (optional)", zh: "企业法定名称（选填）"),
        "settlementCurrency": .init(en: "Settlement currency", zh: "结算币种"),
        "createMerchant": .init(en: "Create merchant", zh: "创建商户"),
    ]
}
