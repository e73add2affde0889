import Foundation
import Kernel
import Parties

/// Wire forms (camelCase, RFC 3339 times). Optional values are `@ExplicitNull`: written as nulls so
/// the schema is stable for clients.
struct MerchantDTO: Encodable {
    struct Exit: Encodable { let reason: String?; let noticeStartedAt: String?; let noticeEndsAt: String? }
    let id: String
    let name: String
    @ExplicitNull var legalName: String?
    let country: String
    let contactEmail: String
    let settlementCurrency: String
    let status: String
    @ExplicitNull var kycStatus: String?
    @ExplicitNull var licenceExpiresOn: String?
    @ExplicitNull var licenceState: String?
    @ExplicitNull var exit: Exit?
    @ExplicitNull var closedAt: String?
    let createdAt: String
    let updatedAt: String

    init(_ m: Merchant, licenceState: LicenceState?) {
        id = m.id.rawValue; name = m.name; legalName = m.legalName; country = m.country; contactEmail = m.contactEmail; settlementCurrency = m.settlementCurrency
        status = m.status.rawValue; kycStatus = m.kycStatus?.rawValue; licenceExpiresOn = m.licenceExpiresOn?.description
        self.licenceState = licenceState?.rawValue
        exit = m.noticeStartedAt == nil ? nil : Exit(reason: m.exitReason, noticeStartedAt: m.noticeStartedAt?.rfc3339, noticeEndsAt: m.noticeEndsAt?.rfc3339)
        closedAt = m.closedAt?.rfc3339; createdAt = m.createdAt.rfc3339; updatedAt = m.updatedAt.rfc3339
    }
}

struct DocumentDTO: Encodable {
    let id: String
    let submissionId: String
    let kind: String
    let filename: String
    let contentType: String
    let sizeBytes: Int64
    let sha256: String
    let createdAt: String
    init(_ d: KYCDocument) {
        id = d.id.rawValue; submissionId = d.submissionId.rawValue; kind = d.kind.rawValue; filename = d.filename
        contentType = d.contentType; sizeBytes = d.sizeBytes; sha256 = d.sha256; createdAt = d.createdAt.rfc3339
    }
}

struct KYCSubmissionDTO: Encodable {
    let id: String
    let merchantId: String
    let status: String
    let companyName: String
    let registrationNumber: String
    let legalRepresentative: String
    let country: String
    let address: String
    let licenceExpiresOn: String
    let submittedAt: String
    @ExplicitNull var reviewerId: String?
    @ExplicitNull var decisionReason: String?
    @ExplicitNull var decidedAt: String?
    let updatedAt: String
    let documents: [DocumentDTO]

    init(_ s: KYCSubmission) {
        id = s.id.rawValue; merchantId = s.merchantId.rawValue; status = s.status.rawValue; companyName = s.companyName
        registrationNumber = s.registrationNumber; legalRepresentative = s.legalRepresentative; country = s.country
        address = s.address; licenceExpiresOn = s.licenceExpiresOn.description; submittedAt = s.submittedAt.rfc3339
        reviewerId = s.reviewerId; decisionReason = s.decisionReason; decidedAt = s.decidedAt?.rfc3339
        updatedAt = s.updatedAt.rfc3339; documents = s.documents.map(DocumentDTO.init)
    }

}

struct UserDTO: Encodable {
    let id: String
    @ExplicitNull var merchantId: String?
    let email: String
    let displayName: String
    let role: String
    let language: String
    let disabled: Bool
    let createdAt: String
    let updatedAt: String
    init(_ u: User) {
        id = u.id.rawValue; merchantId = u.merchantId?.rawValue; email = u.email; displayName = u.displayName
        role = u.role.rawValue; language = u.language.rawValue; disabled = u.disabled
        createdAt = u.createdAt.rfc3339; updatedAt = u.updatedAt.rfc3339
    }
}

struct APIKeyDTO: Encodable {
    let id: String
    @ExplicitNull var merchantId: String?
    let role: String
    let name: String
    let prefix: String
    let createdBy: String
    let createdAt: String
    @ExplicitNull var revokedAt: String?
    @ExplicitNull var lastUsedAt: String?
    @ExplicitNull var ownerUserId: String?
    /// Present only in the response that creates the key.
    let key: String?
    init(_ k: APIKey, token: String? = nil) {
        id = k.id.rawValue; merchantId = k.merchantId?.rawValue; role = k.role.rawValue; name = k.name; prefix = k.prefix
        createdBy = k.createdBy; createdAt = k.createdAt.rfc3339; revokedAt = k.revokedAt?.rfc3339
        lastUsedAt = k.lastUsedAt?.rfc3339; ownerUserId = k.ownerUserId?.rawValue; key = token
    }
}

struct AuditEntryDTO: Encodable {
    let seq: Int64
    let at: String
    let actor: String
    let merchantId: String?
    let action: String
    let entity: String
    let entityId: String
    let data: String
    let hash: String
    init(_ e: AuditEntry) {
        seq = e.seq; at = e.at.rfc3339; actor = e.actor; merchantId = e.merchantId?.rawValue; action = e.action
        entity = e.entity; entityId = e.entityId; data = e.data; hash = e.hash
    }
}

struct NoticeDTO: Encodable {
    let merchantId: String
    let name: String
    let reason: String?
    let noticeStartedAt: String?
    let noticeEndsAt: String?
}
