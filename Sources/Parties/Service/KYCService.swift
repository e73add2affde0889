import Foundation
import Kernel
import SQLKit

public struct KYCInput: Sendable {
    public var companyName: String?
    public var registrationNumber: String?
    public var legalRepresentative: String?
    public var country: String?
    public var address: String?
    public var licenceExpiresOn: String?
    public init(companyName: String? = nil, registrationNumber: String? = nil, legalRepresentative: String? = nil,
                country: String? = nil, address: String? = nil, licenceExpiresOn: String? = nil) {
        self.companyName = companyName; self.registrationNumber = registrationNumber
        self.legalRepresentative = legalRepresentative; self.country = country; self.address = address
        self.licenceExpiresOn = licenceExpiresOn
    }
}

/// KYC onboarding: a merchant submits company details and documents; compliance reviews
/// (K2: submitted → under-review → approved | rejected(reason) | needs-more-info).
public struct KYCService: Sendable {
    let ctx: PartiesContext
    let store: KYCStore
    let merchants = MerchantStore()

    public init(_ ctx: PartiesContext) {
        self.ctx = ctx
        store = KYCStore(cipher: ctx.cipher)
    }

    static func mayReview(_ p: Principal) -> Bool { p.can(.kycReview) }
    /// KYC files hold identity data (K6): reviewers and the merchant's own admin only.
    static func mayRead(_ p: Principal) -> Bool { p.can(.kycRead) }
    static func maySubmit(_ p: Principal, merchantId: MerchantID) -> Bool { p.may(.kycSubmit, onMerchant: merchantId) }

    func validate(_ input: KYCInput, partial: Bool) throws -> (String?, String?, String?, String?, String?, LocalDate?) {
        var v = Validator()
        let required = !partial
        let company = v.name(input.companyName, field: "companyName", max: 200, required: required)
        // Pasted numbers often carry spaces ("9144 0300 …"): store them compact and upper-case.
        let regno = v.text(input.registrationNumber, field: "registrationNumber", max: 60, required: required)?
            .filter { !$0.isWhitespace }.uppercased()
        if let r = regno, !(r.count >= 5 && r.count <= 40 && r.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })) {
            v.fail("registrationNumber", "invalid-format",
                   en: "registrationNumber must be 5–40 letters, digits or hyphens (e.g. an 18-character unified social credit code).",
                   zh: "registrationNumber 须为 5–40 位字母、数字或连字符（如 18 位统一社会信用代码）。")
        }
        let rep = v.name(input.legalRepresentative, field: "legalRepresentative", max: 100, required: required)
        let country = input.country == nil && partial ? nil : v.country(input.country, field: "country", required: required)
        let address = v.text(input.address, field: "address", max: 500, required: required)
        let expiry = input.licenceExpiresOn == nil && partial ? nil : v.date(input.licenceExpiresOn, field: "licenceExpiresOn", required: required)
        if let e = expiry, e <= ctx.today {
            v.fail("licenceExpiresOn", "expired", en: "licenceExpiresOn must be in the future; the licence has expired.",
                   zh: "licenceExpiresOn 必须晚于今天，该执照已过期。")
        }
        try v.finish()
        return (company, regno, rep, country, address, expiry)
    }

    public func submit(merchantId: MerchantID, _ input: KYCInput, by p: Principal) async throws -> KYCSubmission {
        guard p.scope.allows(merchantId) else { throw CommonError.notFound(entity: "merchant", id: merchantId.rawValue) }
        try p.require(.kycSubmit, onMerchant: merchantId)
        let (company, regno, rep, country, address, expiry) = try validate(input, partial: false)
        let now = ctx.clock.now()
        let s = KYCSubmission(id: .generate(), merchantId: merchantId, status: .submitted,
                              companyName: company!, registrationNumber: regno!, legalRepresentative: rep!,
                              country: country!, address: address!, licenceExpiresOn: expiry!, submittedAt: now,
                              reviewerId: nil, decisionReason: nil, decidedAt: nil, updatedAt: now, documents: [])
        try await ctx.db.transaction { [store, merchants, ctx] sql in
            guard var m = try await merchants.find(merchantId, scope: p.scope, in: sql) else {
                throw CommonError.notFound(entity: "merchant", id: merchantId.rawValue)
            }
            guard m.status != .closed else {
                throw CommonError.conflict(code: "merchant-closed", en: "The merchant is closed.", zh: "该商户已关闭。")
            }
            if let open = try await store.openSubmission(merchantId: merchantId, in: sql) {
                throw CommonError.conflict(code: "kyc-open-submission",
                                           en: "Submission \(open) is still open; update it instead of starting another.",
                                           zh: "申请 \(open) 尚未完结，请在原申请上补充，勿重复提交。")
            }
            try await store.insert(s, in: sql)
            m.kycStatus = .submitted
            m.updatedAt = now
            try await merchants.update(m, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: merchantId, action: "kyc.submitted",
                                                  entity: "kyc", entityId: s.id.rawValue,
                                                  data: ["companyName": s.companyName, "licenceExpiresOn": s.licenceExpiresOn.description]), in: sql)
        }
        return s
    }

    public func get(_ id: KYCSubmissionID, by p: Principal) async throws -> KYCSubmission {
        try p.require(.kycRead)
        guard let s = try await ctx.db.read({ [store] in try await store.find(id, scope: p.scope, in: $0) }) else {
            throw CommonError.notFound(entity: "KYC submission", id: id.rawValue)
        }
        return s
    }

    public func list(status: KYCStatus?, merchantId: MerchantID?, limit: Int?, after: String?, by p: Principal) async throws -> Page<KYCSubmission> {
        try p.require(.kycRead)
        let n = Limits.pageSize(limit)
        let rows = try await ctx.db.read { [store] sql in
            try await store.list(scope: p.scope, status: status, merchantId: merchantId, limit: n + 1, after: after, in: sql)
        }
        return Page.of(rows, limit: n) { $0.id.rawValue }
    }

    /// Other merchants that submitted the same registration number: a reviewer's duplicate-identity
    /// signal, found through the blind index without decrypting anyone's data (K6).
    public func duplicateRegistrations(_ s: KYCSubmission, by p: Principal) async throws -> [MerchantID] {
        try p.require(.kycReview)
        return try await ctx.db.read { [store] sql in
            try await store.merchantsWithRegistration(s.registrationNumber, excluding: s.merchantId, in: sql)
        }
    }

    public func count(status: KYCStatus, by p: Principal) async throws -> Int {
        guard p.role.isOperator else { return 0 }
        return try await ctx.db.read { [store] in try await store.count(status: status, in: $0) }
    }

    public func addDocument(submissionId: KYCSubmissionID, kind: String?, filename: String?, contentType: String?, data: Data,
                            by p: Principal) async throws -> KYCDocument {
        try p.require(.kycSubmit)
        var v = Validator()
        let kindValue = v.text(kind, field: "kind", max: 40)
        let docKind = kindValue.flatMap(KYCDocumentKind.init(rawValue:))
        if kindValue != nil && docKind == nil {
            v.fail("kind", "invalid", en: "kind must be one of \(KYCDocumentKind.allCases.map(\.rawValue).joined(separator: ", ")).",
                   zh: "kind 的取值无效，可选值：\(KYCDocumentKind.allCases.map(\.rawValue).joined(separator: "、"))。")
        }
        let name = v.name(filename, field: "filename", max: 200)
        if let n = name, n.contains("/") || n.contains("\\") {
            v.fail("filename", "invalid", en: "filename must not contain path separators.", zh: "filename 不能包含路径分隔符。")
        }
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if data.isEmpty {
            v.fail("body", "empty", en: "The document is empty.", zh: "文件内容为空。")
        } else if data.count > ctx.settings.maxDocumentBytes {
            throw CommonError.payloadTooLarge(limitBytes: ctx.settings.maxDocumentBytes)
        }
        guard DocumentType.allowed[type] != nil else {
            throw CommonError.unsupportedMediaType(type.isEmpty ? "(none)" : type)
        }
        if !data.isEmpty && !DocumentType.matches(type, data) {
            v.fail("body", "content-mismatch", en: "The file content is not a valid \(type).", zh: "文件内容与声明的类型 \(type) 不符。")
        }
        try v.finish()
        let now = ctx.clock.now()
        let doc = KYCDocument(id: .generate(), submissionId: submissionId, kind: docKind!,
                              filename: name!, contentType: type, sizeBytes: Int64(data.count),
                              sha256: Digest.sha256Hex(data), uploadedBy: p.actorId, createdAt: now)
        try await ctx.db.transaction { [store, ctx] sql in
            guard let s = try await store.find(submissionId, scope: p.scope, in: sql) else {
                throw CommonError.notFound(entity: "KYC submission", id: submissionId.rawValue)
            }
            try p.require(.kycSubmit, onMerchant: s.merchantId)
            guard s.status == .submitted || s.status == .needsMoreInfo else {
                throw CommonError.conflict(code: "kyc-locked",
                                           en: "Documents can be added only while the submission is submitted or needs more info (it is \(s.status.rawValue)).",
                                           zh: "仅在“已提交”或“待补充材料”状态下可上传文件（当前为 \(s.status.rawValue)）。")
            }
            guard s.documents.count < ctx.settings.maxDocumentsPerSubmission else {
                throw CommonError.conflict(code: "kyc-too-many-documents",
                                           en: "A submission holds at most \(ctx.settings.maxDocumentsPerSubmission) documents.",
                                           zh: "每个申请最多 \(ctx.settings.maxDocumentsPerSubmission) 个文件。")
            }
            try await store.insertDocument(doc, merchantId: s.merchantId, content: data, in: sql)
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: s.merchantId, action: "kyc.document-added",
                                                  entity: "kyc", entityId: submissionId.rawValue,
                                                  data: ["documentId": doc.id.rawValue, "sha256": doc.sha256, "kind": doc.kind.rawValue]), in: sql)
        }
        return doc
    }

    public func document(_ id: DocumentID, by p: Principal) async throws -> (KYCDocument, Data) {
        try p.require(.kycRead)
        guard let d = try await ctx.db.read({ [store] in try await store.documentContent(id, scope: p.scope, in: $0) }) else {
            throw CommonError.notFound(entity: "document", id: id.rawValue)
        }
        return d
    }

    public func startReview(_ id: KYCSubmissionID, by p: Principal) async throws -> KYCSubmission {
        try p.require(.kycReview)
        return try await move(id, to: .underReview, by: p, reason: nil)
    }

    public func approve(_ id: KYCSubmissionID, by p: Principal) async throws -> KYCSubmission {
        try p.require(.kycReview)
        return try await move(id, to: .approved, by: p, reason: nil)
    }

    public func reject(_ id: KYCSubmissionID, reason: String?, by p: Principal) async throws -> KYCSubmission {
        try p.require(.kycReview)
        return try await move(id, to: .rejected, by: p, reason: try requireReason(reason))
    }

    public func requestMoreInfo(_ id: KYCSubmissionID, reason: String?, by p: Principal) async throws -> KYCSubmission {
        try p.require(.kycReview)
        return try await move(id, to: .needsMoreInfo, by: p, reason: try requireReason(reason))
    }

    /// The merchant answers a needs-more-info request, optionally correcting details.
    public func resubmit(_ id: KYCSubmissionID, _ input: KYCInput, by p: Principal) async throws -> KYCSubmission {
        try p.require(.kycSubmit)
        let (company, regno, rep, country, address, expiry) = try validate(input, partial: true)
        return try await move(id, to: .submitted, by: p, reason: nil) { s in
            try p.require(.kycSubmit, onMerchant: s.merchantId)
            if let company { s.companyName = company }
            if let regno { s.registrationNumber = regno }
            if let rep { s.legalRepresentative = rep }
            if let country { s.country = country }
            if let address { s.address = address }
            if let expiry { s.licenceExpiresOn = expiry }
        }
    }

    func requireReason(_ reason: String?) throws -> String {
        var v = Validator()
        let r = v.text(reason, field: "reason", max: 1000)
        try v.finish()
        return r!
    }

    private func move(_ id: KYCSubmissionID, to next: KYCStatus, by p: Principal, reason: String?,
                      _ mutate: @escaping @Sendable (inout KYCSubmission) throws -> Void = { _ in }) async throws -> KYCSubmission {
        try await ctx.db.transaction { [store, merchants, ctx] sql in
            guard var s = try await store.find(id, scope: p.scope, in: sql) else {
                throw CommonError.notFound(entity: "KYC submission", id: id.rawValue)
            }
            guard s.status.canMove(to: next) else {
                throw CommonError.invalidTransition(entity: "KYC submission", from: s.status.rawValue, to: next.rawValue)
            }
            try mutate(&s)
            let now = ctx.clock.now()
            if next == .approved {
                guard !s.documents.isEmpty else {
                    throw CommonError.conflict(code: "kyc-no-documents", en: "Approval needs at least one document on file.",
                                               zh: "至少上传一份资质文件后才能审核通过。")
                }
                guard s.licenceExpiresOn > ctx.today else {
                    throw CommonError.conflict(code: "kyc-licence-expired", en: "The licence has expired; request a renewed one.",
                                               zh: "营业执照已过期，请要求商户提供新执照。")
                }
            }
            let from = s.status
            s.status = next
            s.updatedAt = now
            if next == .submitted { s.submittedAt = now; s.decisionReason = nil; s.decidedAt = nil }
            if next == .underReview { s.reviewerId = p.actorId }
            if next == .approved || next == .rejected || next == .needsMoreInfo {
                s.reviewerId = p.actorId; s.decisionReason = reason; s.decidedAt = now
            }
            try await store.update(s, in: sql)
            if var m = try await merchants.find(s.merchantId, scope: .operatorWide, in: sql) {
                m.kycStatus = next
                if next == .approved {
                    m.licenceExpiresOn = s.licenceExpiresOn
                    if m.status == .onboarding { m.status = .active }
                }
                m.updatedAt = now
                try await merchants.update(m, in: sql)
            }
            var data = ["from": from.rawValue, "to": next.rawValue]
            if let reason { data["reason"] = reason }
            try await ctx.audit.append(AuditEvent(actor: p.actorId, merchantId: s.merchantId, action: "kyc.\(next.rawValue)",
                                                  entity: "kyc", entityId: id.rawValue, data: data), in: sql)
            return s
        }
    }
}
