/// The HTTP-independent category of an error; Web maps it to a status code.
public enum ErrorKind: Sendable, Equatable {
    case badRequest, unauthorized, forbidden, notFound, conflict, gone
    case payloadTooLarge, uriTooLong, unsupportedMediaType, invalid, tooManyRequests, unavailable, internalError

    public var status: Int {
        switch self {
        case .badRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .gone: 410
        case .payloadTooLarge: 413
        case .uriTooLong: 414
        case .unsupportedMediaType: 415
        case .invalid: 422
        case .tooManyRequests: 429
        case .unavailable: 503
        case .internalError: 500
        }
    }
}

/// One invalid field of a request, named by its JSON path ("address.country").
public struct FieldError: Sendable, Hashable {
    public let field: String
    public let code: String
    public let message: LocalizedText
    public init(field: String, code: String, message: LocalizedText) {
        self.field = field; self.code = code; self.message = FieldLabels.localize(message, field: field)
    }
}

/// Every typed error the product raises. Rendered as RFC 9457 problem+json by Web.
public protocol AppError: Error, Sendable {
    /// Stable machine code, also the last path segment of the problem `type` URI.
    var code: String { get }
    var kind: ErrorKind { get }
    var title: LocalizedText { get }
    var detail: LocalizedText { get }
    var fieldErrors: [FieldError] { get }
}

extension AppError {
    public var fieldErrors: [FieldError] { [] }
}

/// Request validation failed on one or more fields.
public struct ValidationError: AppError, Equatable {
    public let fieldErrors: [FieldError]
    public init(_ errors: [FieldError]) { fieldErrors = errors }
    public init(field: String, code: String, en: String, zh: String) {
        fieldErrors = [FieldError(field: field, code: code, message: LocalizedText(en: en, zh: zh))]
    }
    public var code: String { "validation" }
    public var kind: ErrorKind { .invalid }
    public var title: LocalizedText { LocalizedText(en: "Validation failed", zh: "请求参数校验失败") }
    public var detail: LocalizedText {
        let names = fieldErrors.map(\.field).joined(separator: ", ")
        let labels = fieldErrors.map { FieldLabels.label($0.field) }
        return LocalizedText(en: "Invalid fields: \(names)", zh: "以下字段无效：\(labels.joined(separator: "、"))")
    }
}

/// The common cross-module failures.
public enum CommonError: AppError, Equatable {
    case notFound(entity: String, id: String)
    case unauthorized
    case forbidden(action: String)
    /// The caller's role lacks a permission of the grant table.
    case denied(Permission, role: Role)
    case conflict(code: String, en: String, zh: String)
    case invalidTransition(entity: String, from: String, to: String)
    case malformedBody(String)
    case payloadTooLarge(limitBytes: Int)
    case unsupportedMediaType(String)
    case idempotencyKeyReused
    case idempotencyKeyInProgress
    case unavailable(String)

    public var code: String {
        switch self {
        case .notFound: "not-found"
        case .unauthorized: "unauthorized"
        case .forbidden, .denied: "forbidden"
        case .conflict(let code, _, _): code
        case .invalidTransition: "invalid-transition"
        case .malformedBody: "malformed-body"
        case .payloadTooLarge: "payload-too-large"
        case .unsupportedMediaType: "unsupported-media-type"
        case .idempotencyKeyReused: "idempotency-key-reused"
        case .idempotencyKeyInProgress: "idempotency-key-in-progress"
        case .unavailable: "unavailable"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .notFound: .notFound
        case .unauthorized: .unauthorized
        case .forbidden, .denied: .forbidden
        case .conflict, .invalidTransition, .idempotencyKeyReused, .idempotencyKeyInProgress: .conflict
        case .malformedBody: .badRequest
        case .payloadTooLarge: .payloadTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .unavailable: .unavailable
        }
    }

    public var title: LocalizedText {
        switch self {
        case .notFound: LocalizedText(en: "Not found", zh: "资源不存在")
        case .unauthorized: LocalizedText(en: "Authentication required", zh: "需要身份认证")
        case .forbidden, .denied: LocalizedText(en: "Forbidden", zh: "无权执行此操作")
        case .conflict: LocalizedText(en: "Conflict", zh: "操作冲突")
        case .invalidTransition: LocalizedText(en: "Invalid state transition", zh: "状态转换无效")
        case .malformedBody: LocalizedText(en: "Malformed request body", zh: "请求体格式错误")
        case .payloadTooLarge: LocalizedText(en: "Payload too large", zh: "请求体过大")
        case .unsupportedMediaType: LocalizedText(en: "Unsupported media type", zh: "不支持的媒体类型")
        case .idempotencyKeyReused: LocalizedText(en: "Idempotency key reused", zh: "幂等键已被使用")
        case .idempotencyKeyInProgress: LocalizedText(en: "Request in progress", zh: "请求正在处理中")
        case .unavailable: LocalizedText(en: "Service unavailable", zh: "服务暂不可用")
        }
    }

    public var detail: LocalizedText {
        switch self {
        case .notFound(let entity, let id):
            LocalizedText(en: "No \(entity) with id \(id).", zh: "未找到 ID 为 \(id) 的\(CommonError.zhEntity(entity))。")
        case .unauthorized:
            LocalizedText(en: "Send a valid API key (Authorization: Bearer …) or log in.", zh: "请提供有效的 API 密钥（Authorization: Bearer …）或先登录。")
        case .forbidden(let action):
            LocalizedText(en: "Your role may not \(action).", zh: "您的角色无权执行：\(action)。")
        case .denied(let permission, let role):
            LocalizedText(en: "Your role (\(role.label(.en))) may not \(permission.label.en) (permission \(permission.rawValue)).",
                          zh: "您的角色（\(role.label(.zh))）无权\(permission.label.zh)。")
        case .conflict(_, let en, let zh): LocalizedText(en: en, zh: zh)
        case .invalidTransition(let entity, let from, let to):
            LocalizedText(en: "A \(entity) in state \(from) cannot move to \(to).", zh: "\(CommonError.zhEntity(entity))当前状态为 \(from)，不能转为 \(to)。")
        case .malformedBody(let reason):
            LocalizedText(en: "The body is not valid JSON for this operation: \(reason)", zh: "请求体不是此操作所需的有效 JSON：\(reason)")
        case .payloadTooLarge(let limit):
            LocalizedText(en: "The body exceeds \(limit) bytes.", zh: "请求体超过 \(limit) 字节上限。")
        case .unsupportedMediaType(let type):
            LocalizedText(en: "Content type \(type) is not accepted here.", zh: "此处不接受内容类型 \(type)。")
        case .idempotencyKeyReused:
            LocalizedText(en: "This Idempotency-Key was used with a different request body.", zh: "该 Idempotency-Key 已用于不同的请求体。")
        case .idempotencyKeyInProgress:
            LocalizedText(en: "A request with this Idempotency-Key is still being processed; retry shortly.", zh: "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试。")
        case .unavailable(let what):
            LocalizedText(en: "\(what) is unavailable.", zh: "\(what) 暂不可用。")
        }
    }

    /// What a Chinese reader calls a kind of record (in error texts and on pages that name a record's kind); the
    /// spaced names of error texts and the hyphenated audit entity names alike.
    public static func zhEntity(_ entity: String) -> String {
        switch entity.replacingOccurrences(of: "-", with: " ") {
        case "merchant": "商户"
        case "user": "用户"
        case "api key": "API 密钥"
        case "KYC submission", "kyc": "资质审核申请"
        case "document": "文件"
        case "session": "登录会话"
        case "listing": "商品"
        case "catalogue rule": "规则"
        case "catalogue change": "规则目录变更"
        case "catalogue": "规则目录"
        case "penalty": "违规扣分"
        case "penalty policy": "扣分规则"
        case "takedown case": "下架案件"
        case "notification": "通知"
        case "job": "后台任务"
        case "re screen job", "rescreen job": "重新筛查任务"
        case "country risk": "国别风险评估"
        case "certification": "资质证书"
        case "certification file": "资质证书文件"
        case "regulation": "法规"
        case "webhook endpoint": "Webhook 端点"
        case "event": "事件"
        case "action": "操作"
        case "data subject": "个人信息主体"
        case "retention": "保存期限"
        default: entity
        }
    }
}

/// Collects field errors so one response names every bad field at once.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []
    public init() {}

    public mutating func fail(_ field: String, _ code: String, en: String, zh: String) {
        errors.append(FieldError(field: field, code: code, message: LocalizedText(en: en, zh: zh)))
    }

    /// Requires a non-blank string no longer than `max` characters; returns it trimmed.
    @discardableResult
    public mutating func text(_ value: String?, field: String, max: Int = 200, required: Bool = true) -> String? {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let t = trimmed, !t.isEmpty else {
            if required { fail(field, "required", en: "\(field) is required.", zh: "\(field) 为必填项。") }
            return nil
        }
        if t.count > max {
            fail(field, "too-long", en: "\(field) must be at most \(max) characters.", zh: "\(field) 最多 \(max) 个字符。")
            return nil
        }
        if t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" }) {
            fail(field, "control-characters", en: "\(field) contains control characters.", zh: "\(field) 含有控制字符。")
            return nil
        }
        return t
    }

    /// An ID of one kind (`mer_…`, `lst_…`); empty counts as absent.
    public mutating func id<Kind>(_ value: String?, _ type: PrefixedID<Kind>.Type, field: String, required: Bool = false) -> PrefixedID<Kind>? {
        do {
            if let id = try PrefixedID<Kind>.field(value, field) { return id }
        } catch {
            errors += error.fieldErrors
            return nil
        }
        if required { fail(field, "required", en: "\(field) is required.", zh: "\(field) 为必填项。") }
        return nil
    }

    public mutating func email(_ value: String?, field: String, required: Bool = true) -> String? {
        guard let t = text(value, field: field, max: 254, required: required) else { return nil }
        let parts = t.split(separator: "@")
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !t.contains(" ") else {
            fail(field, "invalid-email", en: "\(field) must be an e-mail address.", zh: "\(field) 必须是有效的电子邮箱地址。")
            return nil
        }
        return t.lowercased()
    }

    public mutating func country(_ value: String?, field: String, required: Bool = true) -> String? {
        guard let t = text(value, field: field, max: 2, required: required) else { return nil }
        let upper = t.uppercased()
        guard upper.count == 2, upper.allSatisfy({ ("A"..."Z").contains($0) }), CountryCodes.iso3166.contains(upper) else {
            fail(field, "invalid-country", en: "\(field) must be an ISO 3166-1 alpha-2 country code.", zh: "\(field) 必须是 ISO 3166-1 两位国家代码。")
            return nil
        }
        return upper
    }

    public mutating func currency(_ value: String?, field: String, required: Bool = true) -> String? {
        guard let t = text(value, field: field, max: 3, required: required) else { return nil }
        guard Currency.isKnown(t), t == t.uppercased() else {
            fail(field, "unknown-currency", en: "\(field) must be an ISO 4217 currency code such as CNY, USD or EUR.",
                 zh: "\(field) 必须是 ISO 4217 货币代码，如 CNY、USD、EUR。")
            return nil
        }
        return t
    }

    public mutating func date(_ value: String?, field: String, required: Bool = true) -> LocalDate? {
        guard let t = text(value, field: field, max: 10, required: required) else { return nil }
        do { return try LocalDate(parsing: t) } catch {
            fail(field, "invalid-date", en: "\(field) must be a date YYYY-MM-DD.", zh: "\(field) 必须是 YYYY-MM-DD 格式的日期。")
            return nil
        }
    }

    public func finish() throws(ValidationError) {
        if !errors.isEmpty { throw ValidationError(errors) }
    }
}

import Foundation
