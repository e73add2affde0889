/// What a Chinese reader calls each request field (issue 12 item 4). Validation messages are written with the field's
/// key first ("reason 为必填项。"); the Chinese text gets the label instead ("原因为必填项。"), in the API as in the
/// console, while `FieldError.field` keeps the key a program needs.
public enum FieldLabels {
    public static let zh: [String: String] = [
        "address": "地址", "after": "分页游标", "attributes": "商品属性", "authorisedBrands": "授权品牌", "authority": "发布机关",
        "basis": "依据", "brand": "品牌", "category": "类别", "certifications": "认证", "changedOn": "变更日期", "code": "验证码",
        "companyName": "企业名称", "compareAtPrice": "划线价", "confirmation": "确认密码", "contactEmail": "联系邮箱", "content": "内容",
        "country": "国家或地区", "currency": "币种", "currentPassword": "当前密码", "description": "描述", "displayName": "姓名",
        "email": "邮箱", "eventId": "事件编号", "events": "事件", "expiresOn": "到期日", "file": "文件", "fileName": "文件名",
        "filename": "文件名", "from": "起始日期", "id": "编号", "imageTexts": "图片文字", "images": "图片", "issuedOn": "签发日期",
        "issuer": "签发机构", "kind": "类型", "language": "语言", "legalName": "法定名称", "legalRepresentative": "法定代表人",
        "level": "风险等级", "licenceExpiresOn": "执照到期日", "limit": "每页条数", "listingId": "商品", "market": "目标市场",
        "markets": "目标市场", "measuresEn": "措施（英文）", "measuresZh": "措施（中文）", "merchant": "商户", "merchantId": "商户", "name": "名称",
        "newPassword": "新密码", "note": "备注", "number": "证书编号", "originCountry": "原产国", "password": "密码",
        "points": "扣分", "price": "价格", "q": "搜索词", "reason": "原因", "registrationNumber": "统一社会信用代码",
        "responsiblePerson": "责任人", "role": "角色", "severity": "严重程度", "settlementCurrency": "结算币种", "sort": "排序",
        "source": "来源", "state": "状态", "status": "状态", "summary": "摘要", "term": "词条", "title": "标题", "to": "截止日期",
        "type": "类型", "unit": "单位", "unread": "未读", "url": "地址", "variationNotice": "变更说明", "violation": "违规类型",
    ]

    /// A field path ("price.amount", "markets[0]") by the Chinese label of its first part ("价格"); unknown keys as they are.
    public static func label(_ path: String) -> String {
        let root = String(path.prefix { $0 != "." && $0 != "[" })
        return zh[root] ?? path
    }

    /// The message with a leading field key replaced by its Chinese label.
    public static func localize(_ message: LocalizedText, field: String) -> LocalizedText {
        guard let label = zh[field], message.zh.hasPrefix(field + " ") else { return message }
        return LocalizedText(en: message.en, zh: label + message.zh.dropFirst(field.count + 1))
    }
}
