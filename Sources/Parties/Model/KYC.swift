import Foundation
import Kernel

/// KYC review states (K2, C 5.1/6.1) and their transition table.
public enum KYCStatus: String, Sendable, Codable, CaseIterable {
    case submitted
    case underReview = "under-review"
    case approved
    case rejected
    case needsMoreInfo = "needs-more-info"

    static let transitions: [KYCStatus: Set<KYCStatus>] = [
        .submitted: [.underReview],
        .underReview: [.approved, .rejected, .needsMoreInfo],
        .needsMoreInfo: [.submitted],
        .approved: [],
        .rejected: [],
    ]

    public func canMove(to next: KYCStatus) -> Bool { Self.transitions[self]?.contains(next) ?? false }

    /// Still awaiting a decision: a merchant may hold only one open submission.
    public var isOpen: Bool { self == .submitted || self == .underReview || self == .needsMoreInfo }

    public var label: LocalizedText {
        switch self {
        case .submitted: LocalizedText(en: "Submitted", zh: "已提交")
        case .underReview: LocalizedText(en: "Under review", zh: "审核中")
        case .approved: LocalizedText(en: "Approved", zh: "已通过")
        case .rejected: LocalizedText(en: "Rejected", zh: "已驳回")
        case .needsMoreInfo: LocalizedText(en: "Needs more info", zh: "待补充材料")
        }
    }
}

public struct KYCSubmission: Sendable, Equatable {
    public let id: KYCSubmissionID
    public let merchantId: MerchantID
    public var status: KYCStatus
    public var companyName: String
    /// Clear text only in memory; stored encrypted (K6).
    public var registrationNumber: String
    public var legalRepresentative: String
    public var country: String
    public var address: String
    public var licenceExpiresOn: LocalDate
    public var submittedAt: Date
    public var reviewerId: String?
    public var decisionReason: String?
    public var decidedAt: Date?
    public var updatedAt: Date
    public var documents: [KYCDocument]
}

/// Document kinds a merchant uploads for KYC.
public enum KYCDocumentKind: String, Sendable, Codable, CaseIterable {
    case businessLicence = "business-licence"
    case idDocument = "id-document"
    case taxRegistration = "tax-registration"
    case importExportLicence = "import-export-licence"
    case other
}

public struct KYCDocument: Sendable, Equatable {
    public let id: DocumentID
    public let submissionId: KYCSubmissionID
    public let kind: KYCDocumentKind
    public let filename: String
    public let contentType: String
    public let sizeBytes: Int64
    public let sha256: String
    public let uploadedBy: String
    public let createdAt: Date
}

/// Accepted upload types, checked against the file's magic bytes so a renamed file is refused.
public enum DocumentType {
    public static let allowed: [String: [UInt8]] = [
        "application/pdf": Array("%PDF".utf8),
        "image/png": [0x89, 0x50, 0x4E, 0x47],
        "image/jpeg": [0xFF, 0xD8, 0xFF],
    ]

    public static func matches(_ contentType: String, _ data: Data) -> Bool {
        guard let magic = allowed[contentType] else { return false }
        return data.count >= magic.count && Array(data.prefix(magic.count)) == magic
    }
}
