import Foundation
import Hummingbird
import Kernel
import Parties

/// One KYC submission (issue 12 item 2, K2): its documents previewed in the page (PNG/JPEG as images, PDF in the
/// browser's own viewer), the merchant's earlier submissions, the decisions with who and when, the review actions
/// (the queue's routes and questions) and the record's timeline. A merchant sees only its own submissions (404
/// otherwise: the service reads behind the tenant wall).
extension ConsoleRoutes {
    func kycSubmission(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        let p = s.principal
        let lang = c.language
        let id: KYCSubmissionID = try c.pathID()
        let sub = try await parties.kyc.get(id, by: p)
        let merchant = try await parties.merchants.get(sub.merchantId, by: p)
        let all = try await parties.kyc.list(status: nil, merchantId: sub.merchantId, limit: 50, after: nil, by: p).items
        let decided = all.compactMap(\.reviewerId)
        let actors = try await parties.users.actors(decided + sub.documents.map(\.uploadedBy), by: p)
        func who(_ actor: String?) -> String {
            guard let actor else { return "—" }
            let a = TimelineBuilder.actorLabel(actor, actors[actor], lang)
            return a.role.isEmpty ? a.name : "\(a.name) (\(a.role))"
        }
        func decision(_ k: KYCSubmission) -> KYCSubmissionPageModel.Decision? {
            guard let at = k.decidedAt else { return nil }
            return .init(status: k.status.rawValue, statusLabel: k.status.label(lang), by: who(k.reviewerId), at: date(at, lang),
                         reason: k.decisionReason ?? "", hasReason: !(k.decisionReason ?? "").isEmpty)
        }
        var row = kycRow(sub, lang, merchantName: merchant.name)
        if sub.status.isOpen, p.can(.kycReview) {
            let dups = try await parties.kyc.duplicateRegistrations(sub, by: p)
            if !dups.isEmpty {
                row.duplicateWarning = lang == .zh ? "该注册号也被以下商户使用：\(dups.map(\.rawValue).joined(separator: "、"))"
                                                   : "Registration number also used by: \(dups.map(\.rawValue).joined(separator: ", "))"
            }
        }
        let model = KYCSubmissionPageModel(
            k: row,
            documents: sub.documents.map { d in
                .init(id: d.id.rawValue, filename: d.filename, kind: TimelineBuilder.documentKind(d.kind, lang), contentType: d.contentType,
                      isImage: d.contentType == "image/png" || d.contentType == "image/jpeg", isPDF: d.contentType == "application/pdf",
                      size: Self.size(d.sizeBytes), sha: d.sha256, uploadedAt: date(d.createdAt, lang), uploadedBy: who(d.uploadedBy))
            },
            decision: decision(sub),
            earlier: all.filter { $0.id != sub.id }.sorted { $0.submittedAt > $1.submittedAt }.map { k in
                .init(id: k.id.rawValue, company: k.companyName, status: k.status.rawValue, statusLabel: k.status.label(lang),
                      submittedAt: date(k.submittedAt, lang), decidedBy: k.decidedAt == nil ? "—" : who(k.reviewerId),
                      decidedAt: date(k.decidedAt, lang), decisionReason: k.decisionReason ?? "")
            },
            mayReview: p.can(.kycReview),
            timeline: try await TimelineBuilder(routes: self).build([AuditTarget("kyc", id.rawValue)], r, c, by: p))
        return page(model, c, r)
    }

    static func size(_ bytes: Int64) -> String {
        bytes >= 1_048_576 ? String(format: "%.1f MB", Double(bytes) / 1_048_576) : bytes >= 1024 ? "\(bytes / 1024) KB" : "\(bytes) B"
    }
}

struct KYCSubmissionPageModel: PageModel {
    static let template = "kyc-submission"
    static let nav = "kyc"
    static let titleKey = "recKycSubmission"
    struct Document: Sendable {
        let id: String
        let filename: String
        let kind: String
        let contentType: String
        let isImage: Bool
        let isPDF: Bool
        let size: String
        let sha: String
        let uploadedAt: String
        let uploadedBy: String
    }

    struct Decision: Sendable {
        let status: String
        let statusLabel: String
        let by: String
        let at: String
        let reason: String
        let hasReason: Bool
    }

    struct Earlier: Sendable {
        let id: String
        let company: String
        let status: String
        let statusLabel: String
        let submittedAt: String
        let decidedBy: String
        let decidedAt: String
        let decisionReason: String
    }

    let k: KYCRow
    let documents: [Document]
    let decision: Decision?
    let earlier: [Earlier]
    let mayReview: Bool
    let timeline: TimelineModel
}
