import Foundation
import Kernel
import SQLKit

/// SQL for KYC submissions and their documents. The registration number is stored
/// AES-GCM encrypted with an HMAC blind index for duplicate checks (K6).
struct KYCStore: Sendable {
    let cipher: FieldCipher
    static let regnoContext = "kyc_submissions.registration_number"
    static func documentContext(_ id: String) -> String { "kyc_documents.content:" + id }

    struct Row: Codable {
        let id: String
        let merchantId: String
        let status: String
        let companyName: String
        let registrationNumberEnc: String
        let legalRepresentative: String
        let country: String
        let address: String
        let licenceExpiresOn: String
        let submittedAt: Int64
        let reviewerId: String?
        let decisionReason: String?
        let decidedAt: Int64?
        let updatedAt: Int64
    }

    static let columns = ["id", "merchant_id", "status", "company_name", "registration_number_enc",
                          "legal_representative", "country", "address", "licence_expires_on", "submitted_at",
                          "reviewer_id", "decision_reason", "decided_at", "updated_at"]

    func insert(_ s: KYCSubmission, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "kyc_submissions").columns(Self.columns + ["registration_number_idx"])
            .values(try binds(s) + [cipher.blindIndex(s.registrationNumber, context: Self.regnoContext)])
            .run()
    }

    func update(_ s: KYCSubmission, in sql: any SQLDatabase) async throws {
        let b = try binds(s)
        let q = sql.update("kyc_submissions")
        for (i, c) in Self.columns.enumerated() where c != "id" && c != "merchant_id" {
            q.set(SQLIdentifier(c), to: b[i])
        }
        q.set("registration_number_idx", to: cipher.blindIndex(s.registrationNumber, context: Self.regnoContext))
        try await q.where("id", .equal, s.id.rawValue).run()
    }

    func find(_ id: KYCSubmissionID, scope: TenantScope, in sql: any SQLDatabase) async throws -> KYCSubmission? {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("kyc_submissions").where("id", .equal, id.rawValue)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        guard let row = try await q.first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase) else { return nil }
        var s = try model(row)
        s.documents = try await documents(submissionId: id.rawValue, in: sql)
        return s
    }

    func list(scope: TenantScope, status: KYCStatus?, merchantId: MerchantID?, limit: Int, after: String?,
              in sql: any SQLDatabase) async throws -> [KYCSubmission] {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("kyc_submissions")
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        if let merchantId { q.where("merchant_id", .equal, merchantId.rawValue) }
        if let status { q.where("status", .equal, status.rawValue) }
        if let after { q.where("id", .greaterThan, after) }
        let rows = try await q.orderBy("id").limit(limit).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        var out: [KYCSubmission] = []
        for r in rows {
            var s = try model(r)
            s.documents = try await documents(submissionId: r.id, in: sql)
            out.append(s)
        }
        return out
    }

    func openSubmission(merchantId: MerchantID, in sql: any SQLDatabase) async throws -> String? {
        try await sql.select().column("id").from("kyc_submissions").where("merchant_id", .equal, merchantId.rawValue)
            .where("status", .in, KYCStatus.allCases.filter(\.isOpen).map(\.rawValue))
            .first()?.decode(column: "id", as: String.self)
    }

    /// Other merchants' submissions carrying the same registration number (duplicate-identity signal).
    func merchantsWithRegistration(_ number: String, excluding merchantId: MerchantID, in sql: any SQLDatabase) async throws -> [MerchantID] {
        try await sql.select().distinct().column("merchant_id").from("kyc_submissions")
            .where("registration_number_idx", .equal, cipher.blindIndex(number, context: Self.regnoContext))
            .where("merchant_id", .notEqual, merchantId.rawValue)
            .all().map { MerchantID(unchecked: try $0.decode(column: "merchant_id", as: String.self)) }
    }

    func count(status: KYCStatus, in sql: any SQLDatabase) async throws -> Int {
        Int(try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("kyc_submissions")
            .where("status", .equal, status.rawValue).first()?.decode(column: "n", as: Int64.self) ?? 0)
    }

    // MARK: documents

    static let documentColumns = ["id", "submission_id", "merchant_id", "kind", "filename", "content_type",
                                  "size_bytes", "sha256", "uploaded_by", "created_at"]

    struct DocumentRow: Codable {
        let id: String
        let submissionId: String
        let merchantId: String
        let kind: String
        let filename: String
        let contentType: String
        let sizeBytes: Int64
        let sha256: String
        let uploadedBy: String
        let createdAt: Int64
    }

    func insertDocument(_ d: KYCDocument, merchantId: MerchantID, content: Data, in sql: any SQLDatabase) async throws {
        try await sql.insert(into: "kyc_documents").columns(Self.documentColumns + ["content"])
            .values([d.id.rawValue, d.submissionId.rawValue, merchantId.rawValue, d.kind.rawValue, d.filename,
                     d.contentType, d.sizeBytes, d.sha256, d.uploadedBy, d.createdAt.epochMillis,
                     try cipher.seal(data: content, context: Self.documentContext(d.id.rawValue))] as [any Encodable & Sendable])
            .run()
    }

    func documents(submissionId: String, in sql: any SQLDatabase) async throws -> [KYCDocument] {
        try await sql.select().columns(Self.documentColumns.map { SQLIdentifier($0) }).from("kyc_documents")
            .where("submission_id", .equal, submissionId).orderBy("created_at").orderBy("id")
            .all(decoding: DocumentRow.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.document)
    }

    func documentContent(_ id: DocumentID, scope: TenantScope, in sql: any SQLDatabase) async throws -> (KYCDocument, Data)? {
        let q = sql.select().columns((Self.documentColumns + ["content"]).map { SQLIdentifier($0) }).from("kyc_documents")
            .where("id", .equal, id.rawValue)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        guard let row = try await q.first() else { return nil }
        let meta = try row.decode(model: DocumentRow.self, keyDecodingStrategy: .convertFromSnakeCase)
        let sealed = try row.decode(column: "content", as: Data.self)
        return (Self.document(meta), try cipher.open(data: sealed, context: Self.documentContext(meta.id)))
    }

    static func document(_ r: DocumentRow) -> KYCDocument {
        KYCDocument(id: DocumentID(unchecked: r.id), submissionId: KYCSubmissionID(unchecked: r.submissionId),
                    kind: KYCDocumentKind(rawValue: r.kind) ?? .other, filename: r.filename, contentType: r.contentType,
                    sizeBytes: r.sizeBytes, sha256: r.sha256, uploadedBy: r.uploadedBy, createdAt: Date(epochMillis: r.createdAt))
    }

    func binds(_ s: KYCSubmission) throws -> [any Encodable & Sendable] {
        [s.id.rawValue, s.merchantId.rawValue, s.status.rawValue, s.companyName,
         try cipher.seal(s.registrationNumber, context: Self.regnoContext), s.legalRepresentative, s.country, s.address,
         s.licenceExpiresOn.description, s.submittedAt.epochMillis, s.reviewerId, s.decisionReason,
         s.decidedAt?.epochMillis, s.updatedAt.epochMillis]
    }

    func model(_ r: Row) throws -> KYCSubmission {
        KYCSubmission(id: KYCSubmissionID(unchecked: r.id), merchantId: MerchantID(unchecked: r.merchantId),
                      status: KYCStatus(rawValue: r.status) ?? .submitted, companyName: r.companyName,
                      registrationNumber: try cipher.open(r.registrationNumberEnc, context: Self.regnoContext),
                      legalRepresentative: r.legalRepresentative, country: r.country, address: r.address,
                      licenceExpiresOn: try LocalDate(parsing: r.licenceExpiresOn),
                      submittedAt: Date(epochMillis: r.submittedAt), reviewerId: r.reviewerId,
                      decisionReason: r.decisionReason, decidedAt: r.decidedAt.map(Date.init(epochMillis:)),
                      updatedAt: Date(epochMillis: r.updatedAt), documents: [])
    }
}
