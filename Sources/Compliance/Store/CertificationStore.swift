import Foundation
import Kernel
import SQLKit

/// Certificate files are sealed with the KYC documents' `FieldCipher` file encryption, bound to their row (K6).
/// Stores built without a cipher read and write metadata only (listings, re-screens).
struct CertificationStore: Sendable {
    var cipher: FieldCipher?
    init(cipher: FieldCipher? = nil) { self.cipher = cipher }

    func sealer() throws(FieldCipherError) -> FieldCipher {
        guard let cipher else { throw .sealFailed }
        return cipher
    }
    static func fileContext(_ id: String) -> String { "certifications.file:" + id }

    struct Row: Codable {
        let id: String
        let merchantId: String
        let type: String
        let number: String
        let issuer: String
        let issuedOn: String?
        let expiresOn: String?
        let status: String
        let fileName: String?
        let contentType: String?
        let fileSha256: String?
        let createdBy: String
        let createdAt: Int64
        let updatedAt: Int64
    }

    static let columns = ["id", "merchant_id", "type", "number", "issuer", "issued_on", "expires_on", "status", "file_name", "content_type",
                          "file_sha256", "created_by", "created_at", "updated_at"]

    func insert(_ c: Certification, file: Data?, in sql: any SQLDatabase) async throws {
        let sealed = try file.map { try sealer().seal(data: $0, context: Self.fileContext(c.id.rawValue)) }
        try await sql.insert(into: "certifications").columns(Self.columns + ["file", "file_sealed"])
            .values([c.id.rawValue, c.merchantId.rawValue, c.type, c.number, c.issuer, c.issuedOn?.description, c.expiresOn?.description,
                     c.status.rawValue, c.fileName, c.contentType, c.fileSha256, c.createdBy, c.createdAt.epochMillis, c.updatedAt.epochMillis,
                     sealed, Int64(sealed == nil ? 0 : 1)] as [any Encodable & Sendable]).run()
    }

    func update(_ c: Certification, in sql: any SQLDatabase) async throws {
        try await sql.update("certifications").set("number", to: c.number).set("issuer", to: c.issuer)
            .set("issued_on", to: c.issuedOn?.description).set("expires_on", to: c.expiresOn?.description).set("status", to: c.status.rawValue)
            .set("updated_at", to: c.updatedAt.epochMillis).where("id", .equal, c.id.rawValue).run()
    }

    func find(_ id: String, scope: TenantScope, in sql: any SQLDatabase) async throws -> Certification? {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("certifications").where("id", .equal, id)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        return try await q.first(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func many(_ ids: [String], in sql: any SQLDatabase) async throws -> [Certification] {
        guard !ids.isEmpty else { return [] }
        return try await sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("certifications")
            .where("id", .in, ids).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func list(scope: TenantScope, merchantId: MerchantID? = nil, limit: Int, after: String? = nil, in sql: any SQLDatabase) async throws -> [Certification] {
        let q = sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("certifications")
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        if let merchantId { q.where("merchant_id", .equal, merchantId.rawValue) }
        if let after { q.where("id", .greaterThan, after) }
        return try await q.orderBy("id").limit(limit).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func file(_ id: String, scope: TenantScope, in sql: any SQLDatabase) async throws -> (String, String, Data)? {
        struct R: Decodable { let fileName: String?; let contentType: String?; let file: Data?; let fileSealed: Int64 }
        let q = sql.select().columns("file_name", "content_type", "file", "file_sealed").from("certifications").where("id", .equal, id)
        if let m = scope.merchantId { q.where("merchant_id", .equal, m.rawValue) }
        guard let r = try await q.first(decoding: R.self, keyDecodingStrategy: .convertFromSnakeCase), let data = r.file else { return nil }
        let clear = r.fileSealed != 0 ? try sealer().open(data: data, context: Self.fileContext(id)) : data
        return (r.fileName ?? "certificate", r.contentType ?? "application/octet-stream", clear)
    }

    /// Seals files stored in clear before the encryption existed; returns how many it sealed.
    func sealLegacyFiles(in sql: any SQLDatabase) async throws -> Int {
        struct R: Decodable { let id: String; let file: Data }
        let rows = try await sql.select().columns("id", "file").from("certifications")
            .where("file_sealed", .equal, Int64(0)).where("file", .isNot, SQLLiteral.null)
            .all(decoding: R.self, keyDecodingStrategy: .convertFromSnakeCase)
        for r in rows {
            try await sql.update("certifications").set("file", to: try sealer().seal(data: r.file, context: Self.fileContext(r.id)))
                .set("file_sealed", to: Int64(1)).where("id", .equal, r.id).where("file_sealed", .equal, Int64(0)).run()
        }
        return rows.count
    }

    /// Valid certificates past their expiry day: the sweep marks them expired.
    func lapsed(before day: LocalDate, in sql: any SQLDatabase) async throws -> [Certification] {
        try await sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("certifications")
            .where("status", .equal, Certification.Status.valid.rawValue).where("expires_on", .lessThan, day.description)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).map(Self.model)
    }

    func link(listingId: ListingID, to ids: [String], in sql: any SQLDatabase) async throws {
        try await sql.delete(from: "listing_certifications").where("listing_id", .equal, listingId.rawValue).run()
        for id in Set(ids).sorted() {
            try await sql.insert(into: "listing_certifications").columns("listing_id", "certification_id")
                .values([listingId.rawValue, id] as [any Encodable & Sendable]).run()
        }
    }

    func listings(linkedTo certId: String, in sql: any SQLDatabase) async throws -> [ListingID] {
        struct R: Decodable { let listingId: String }
        return try await sql.select().column("listing_id").from("listing_certifications").where("certification_id", .equal, certId)
            .orderBy("listing_id").all(decoding: R.self, keyDecodingStrategy: .convertFromSnakeCase).map { ListingID(unchecked: $0.listingId) }
    }

    static func model(_ r: Row) throws -> Certification {
        Certification(id: CertificationID(unchecked: r.id), merchantId: MerchantID(unchecked: r.merchantId), type: r.type, number: r.number, issuer: r.issuer,
                      issuedOn: try r.issuedOn.map { try LocalDate(parsing: $0) }, expiresOn: try r.expiresOn.map { try LocalDate(parsing: $0) },
                      status: Certification.Status(rawValue: r.status) ?? .revoked, fileName: r.fileName, contentType: r.contentType,
                      fileSha256: r.fileSha256, createdBy: r.createdBy, createdAt: Date(epochMillis: r.createdAt), updatedAt: Date(epochMillis: r.updatedAt))
    }
}
