import Foundation
import Kernel
import SQLKit

public struct CertificationInput: Sendable {
    public var merchantId: String?
    public var type: String?
    public var number: String?
    public var issuer: String?
    public var issuedOn: String?
    public var expiresOn: String?
    public var fileName: String?
    public var contentType: String?
    public var file: Data?
    public init(merchantId: String? = nil, type: String? = nil, number: String? = nil, issuer: String? = nil, issuedOn: String? = nil,
                expiresOn: String? = nil, fileName: String? = nil, contentType: String? = nil, file: Data? = nil) {
        self.merchantId = merchantId; self.type = type; self.number = number; self.issuer = issuer; self.issuedOn = issuedOn
        self.expiresOn = expiresOn; self.fileName = fileName; self.contentType = contentType; self.file = file
    }
}

/// Certificates and licences on file (CMP5). Only a valid one clears a restricted-goods finding; when one
/// expires or is revoked, the listings citing it are screened again and the finding re-opens.
public struct CertificationService: Sendable {
    /// Fits, base64-encoded, in the API's 2 MB request limit.
    public static let maxFileBytes = 1_500_000
    public static let fileTypes: Set<String> = ["application/pdf", "image/png", "image/jpeg"]
    let db: Database
    let clock: any WallClock
    let audit: AuditLog
    let store: CertificationStore
    /// Checks the merchant an operator files for (nil: no merchant directory, as in this module's own tests).
    let merchants: (any MerchantRegistry)?
    let queue: JobQueue

    /// `cipher` seals certificate files at rest, as KYC documents are (K6).
    public init(db: Database, clock: any WallClock, cipher: FieldCipher, merchants: (any MerchantRegistry)? = nil, queue: JobQueue? = nil) {
        self.db = db; self.clock = clock; self.merchants = merchants; audit = AuditLog(clock: clock)
        self.queue = queue ?? JobQueue(db: db, clock: clock)
        store = CertificationStore(cipher: cipher)
    }

    /// Encrypts certificate files stored in clear by earlier versions (run at start, idempotent).
    @discardableResult
    public func sealLegacyFiles() async throws -> Int {
        try await db.transaction { [store] sql in try await store.sealLegacyFiles(in: sql) }
    }

    /// Magic bytes, so a renamed executable is not stored as a "PDF" (the same check as KYC documents).
    static func looksLike(_ type: String, _ data: Data) -> Bool {
        let head = [UInt8](data.prefix(4))
        switch type {
        case "application/pdf": return head.starts(with: Array("%PDF".utf8))
        case "image/png": return head.starts(with: [0x89, 0x50, 0x4E, 0x47])
        case "image/jpeg": return head.starts(with: [0xFF, 0xD8, 0xFF])
        default: return false
        }
    }

    var today: LocalDate { LocalDate(clock.now(), in: ListingScreening.timeZone) }

    public func create(_ input: CertificationInput, by p: Principal) async throws -> Certification {
        try p.require(.certificationsFile)
        var v = Validator()
        // A merchant caller naming another merchant is refused, not silently re-pointed (K3).
        let merchant = p.role.isOperator ? v.id(input.merchantId, MerchantID.self, field: "merchantId", required: true) : try p.merchantForWrite(input.merchantId)
        let type = v.text(input.type, field: "type", max: 30)
        if let type, !type.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) || type.count < 2 {
            v.fail("type", "invalid", en: "type is a code such as CE, FCC, UN38.3.", zh: "type 须为证书代码，如 CE、FCC、UN38.3。")
        }
        let number = v.text(input.number, field: "number", max: 100)
        let issuer = v.name(input.issuer, field: "issuer", max: 200)
        let issued = v.date(input.issuedOn, field: "issuedOn", required: false)
        let expires = v.date(input.expiresOn, field: "expiresOn", required: false)
        if let issued, let expires, expires < issued {
            v.fail("expiresOn", "before-issue", en: "expiresOn is before issuedOn.", zh: "到期日早于签发日。")
        }
        let fileName = v.name(input.fileName, field: "fileName", max: 200, required: false)
        if let file = input.file {
            if file.isEmpty { v.fail("file", "empty", en: "file is empty.", zh: "文件为空。") }
            else if let type = input.contentType, Self.fileTypes.contains(type), !Self.looksLike(type, file) {
                v.fail("file", "content-mismatch", en: "file content is not \(type).", zh: "文件内容与类型 \(type) 不符。")
            }
            if file.count > Self.maxFileBytes { v.fail("file", "too-large", en: "file exceeds 1.5 MB.", zh: "文件超过 1.5 MB。") }
            if !Self.fileTypes.contains(input.contentType ?? "") {
                v.fail("contentType", "unsupported", en: "file must be PDF, PNG or JPEG.", zh: "文件须为 PDF、PNG 或 JPEG。")
            }
        }
        try v.finish()
        let now = clock.now()
        // Codes are compared the way the catalogue names them (CE, UN38.3, import-licence).
        let canonical = Certification.commonTypes.first { $0.caseInsensitiveCompare(type!) == .orderedSame } ?? type!.uppercased()
        let cert = Certification(id: .generate(), merchantId: merchant!, type: canonical, number: number!, issuer: issuer!, issuedOn: issued,
                                 expiresOn: expires, status: expires.map { $0 < today } == true ? .expired : .valid,
                                 fileName: input.file == nil ? nil : (fileName ?? "certificate"), contentType: input.file == nil ? nil : input.contentType,
                                 fileSha256: input.file.map { Digest.sha256Hex($0) }, createdBy: p.actorId, createdAt: now, updatedAt: now)
        try await db.transaction { [store, audit, merchants] sql in
            if p.merchantId == nil { try await merchants?.require(cert.merchantId, in: sql) }
            try await store.insert(cert, file: input.file, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: cert.merchantId, action: "certification.filed", entity: "certification",
                                              entityId: cert.id.rawValue,
                                              data: ["type": cert.type, "number": cert.number, "expiresOn": expires?.description ?? ""]), in: sql)
        }
        return cert
    }

    public func get(_ id: String, by p: Principal) async throws -> Certification {
        guard let c = try await db.read({ [store] in try await store.find(id, scope: p.scope, in: $0) }) else {
            throw CommonError.notFound(entity: "certification", id: id)
        }
        return c
    }

    /// Operators may narrow the list to one merchant; merchant roles only ever see their own.
    public func list(merchantId: MerchantID? = nil, by p: Principal) async throws -> [Certification] {
        try await page(merchantId: merchantId, limit: 500, after: nil, by: p).items
    }

    /// By id, one page (`after`: the `next` of the previous page).
    public func page(merchantId: MerchantID? = nil, limit: Int?, after: String?, by p: Principal) async throws -> Page<Certification> {
        let n = min(max(limit ?? 100, 1), 500)
        let rows = try await db.read { [store] in try await store.list(scope: p.scope, merchantId: merchantId, limit: n + 1, after: after, in: $0) }
        return Page.of(rows, limit: n) { $0.id.rawValue }
    }

    public func file(_ id: String, by p: Principal) async throws -> (name: String, contentType: String, data: Data) {
        guard let f = try await db.read({ [store] in try await store.file(id, scope: p.scope, in: $0) }) else {
            throw CommonError.notFound(entity: "certification file", id: id)
        }
        return f
    }

    /// Certificates of one listing, for its public page.
    public func forListing(_ ids: [String]) async throws -> [Certification] {
        try await db.read { [store] in try await store.many(ids, in: $0) }.sorted { $0.type < $1.type }
    }

    /// An officer withdraws a certificate found false or suspended; returns the listings citing it, whose re-screen is
    /// queued in the same transaction (so it happens even if this instance dies right after).
    public func revoke(_ id: String, reason: String?, by p: Principal) async throws -> (Certification, [ListingID]) {
        try p.require(.certificationsRevoke)
        var v = Validator()
        let why = v.text(reason, field: "reason", max: 1000)
        try v.finish()
        return try await db.transaction { [store, audit, clock, queue] sql in
            guard var c = try await store.find(id, scope: p.scope, in: sql) else { throw CommonError.notFound(entity: "certification", id: id) }
            guard c.status != .revoked else { throw CommonError.invalidTransition(entity: "certification", from: "revoked", to: "revoked") }
            c.status = .revoked; c.updatedAt = clock.now()
            try await store.update(c, in: sql)
            try await audit.append(AuditEvent(actor: p.actorId, merchantId: c.merchantId, action: "certification.revoked", entity: "certification",
                                              entityId: id, data: ["reason": why!]), in: sql)
            let listings = try await store.listings(linkedTo: id, in: sql)
            if !listings.isEmpty {
                try await queue.enqueue(kind: ComplianceJobs.rescreenListingsKind,
                                        ComplianceJobs.ListingsPayload(listingIds: listings, reason: "certificate \(id) revoked"),
                                        dedupeKey: "\(ComplianceJobs.rescreenListingsKind):revoked:\(id)", in: sql)
            }
            return (c, listings)
        }
    }

    /// Marks certificates past their expiry day as expired; returns the listings citing them.
    public func expireLapsed() async throws -> [ListingID] {
        try await db.transaction { [store, audit, clock, today] sql in
            var listings = Set<ListingID>()
            for var c in try await store.lapsed(before: today, in: sql) {
                c.status = .expired; c.updatedAt = clock.now()
                try await store.update(c, in: sql)
                try await audit.append(AuditEvent(actor: "system", merchantId: c.merchantId, action: "certification.expired", entity: "certification",
                                                  entityId: c.id.rawValue, data: ["expiresOn": c.expiresOn?.description ?? ""]), in: sql)
                listings.formUnion(try await store.listings(linkedTo: c.id.rawValue, in: sql))
            }
            return listings.sorted()
        }
    }
}
