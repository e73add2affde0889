import Foundation
import Hummingbird
import Kernel
import NIOCore
import Parties

/// `/api/v1` routes for merchants, KYC, users and API keys.
struct PartiesAPI {
    let services: AppServices
    var parties: PartiesServices { services.parties }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("merchants", use: listMerchants)
        api.post("merchants", use: createMerchant)
        api.get("merchants/:id", use: getMerchant)
        api.patch("merchants/:id", use: updateMerchant)
        api.post("merchants/:id/exit", use: requestExit)
        api.post("merchants/:id/exit/withdraw", use: withdrawExit)
        api.post("merchants/:id/close", use: closeMerchant)
        api.post("merchants/:id/kyc-submissions", use: submitKYC)

        api.get("kyc-submissions", use: listKYC)
        api.get("kyc-submissions/:id", use: getKYC)
        api.post("kyc-submissions/:id/documents", use: uploadDocument)
        api.post("kyc-submissions/:id/start-review", use: { r, c in try await kycCommand(r, c) { try await parties.kyc.startReview($0, by: $1) } })
        api.post("kyc-submissions/:id/approve", use: { r, c in try await kycCommand(r, c) { try await parties.kyc.approve($0, by: $1) } })
        api.post("kyc-submissions/:id/reject", use: { r, c in try await kycReasonCommand(r, c) { try await parties.kyc.reject($0, reason: $1, by: $2) } })
        api.post("kyc-submissions/:id/request-info", use: { r, c in try await kycReasonCommand(r, c) { try await parties.kyc.requestMoreInfo($0, reason: $1, by: $2) } })
        api.post("kyc-submissions/:id/resubmit", use: resubmitKYC)
        api.get("kyc-documents/:id", use: downloadDocument)

        api.get("users", use: listUsers)
        api.post("users", use: createUser)
        api.get("users/:id", use: getUser)
        api.patch("users/:id", use: updateUser)
        api.post("users/:id/reset-two-factor", use: resetTwoFactor)

        api.get("api-keys", use: listKeys)
        api.post("api-keys", use: createKey)
        api.get("api-keys/:id", use: getKey)
        api.post("api-keys/:id/revoke", use: revokeKey)

        api.get("audit-log", use: auditLog)
        api.get("exit-notices", use: exitNotices)
    }

    func id<Kind>(_ c: AppRequestContext) throws -> PrefixedID<Kind> { try c.pathID() }

    func merchantDTO(_ m: Merchant) -> MerchantDTO { MerchantDTO(m, licenceState: parties.merchants.licenceState(m)) }

    // MARK: merchants

    struct MerchantBody: Decodable {
        let name: String?; let legalName: String?; let country: String?; let contactEmail: String?; let settlementCurrency: String?
        static let keys: Set<String> = ["name", "legalName", "country", "contactEmail", "settlementCurrency"]
        var input: MerchantInput {
            MerchantInput(name: name, legalName: legalName, country: country, contactEmail: contactEmail, settlementCurrency: settlementCurrency)
        }
    }

    func listMerchants(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let q = Query(request: r)
        let page = try await parties.merchants.list(MerchantListQuery(
            status: try q.enumValue("status", MerchantStatus.self), kycStatus: try q.enumValue("kycStatus", KYCStatus.self),
            query: q.string("q"), limit: try q.int("limit", in: 1...200), after: q.string("after")), by: p)
        return try JSONIO.response(ListDTO(data: page.items.map(merchantDTO), next: page.next))
    }

    func createMerchant(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let body = try await JSONIO.decode(MerchantBody.self, r, c, allowedKeys: MerchantBody.keys)
        let m = try await parties.merchants.create(body.input, by: p)
        return try JSONIO.response(merchantDTO(m), status: .created, location: "/api/v1/merchants/\(m.id)")
    }

    func getMerchant(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try JSONIO.response(merchantDTO(try await parties.merchants.get(try id(c), by: try c.requirePrincipal())))
    }

    func updateMerchant(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let body = try await JSONIO.decode(MerchantBody.self, r, c, allowedKeys: MerchantBody.keys)
        return try JSONIO.response(merchantDTO(try await parties.merchants.update(try id(c), body.input, by: p)))
    }

    func requestExit(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let body = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: ReasonBody.keys)
        return try JSONIO.response(merchantDTO(try await parties.merchants.requestExit(try id(c), reason: body.reason, by: p)))
    }

    func withdrawExit(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: [], allowEmpty: true)
        return try JSONIO.response(merchantDTO(try await parties.merchants.cancelExit(try id(c), by: p)))
    }

    func closeMerchant(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: [], allowEmpty: true)
        return try JSONIO.response(merchantDTO(try await parties.merchants.close(try id(c), by: p)))
    }

    // MARK: KYC

    struct KYCBody: Decodable {
        let companyName: String?; let registrationNumber: String?; let legalRepresentative: String?
        let country: String?; let address: String?; let licenceExpiresOn: String?
        static let keys: Set<String> = ["companyName", "registrationNumber", "legalRepresentative", "country", "address", "licenceExpiresOn"]
        var input: KYCInput {
            KYCInput(companyName: companyName, registrationNumber: registrationNumber, legalRepresentative: legalRepresentative,
                     country: country, address: address, licenceExpiresOn: licenceExpiresOn)
        }
    }

    func submitKYC(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let body = try await JSONIO.decode(KYCBody.self, r, c, allowedKeys: KYCBody.keys)
        let s = try await parties.kyc.submit(merchantId: try id(c), body.input, by: p)
        return try JSONIO.response(KYCSubmissionDTO(s), status: .created, location: "/api/v1/kyc-submissions/\(s.id)")
    }

    func resubmitKYC(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let body = try await JSONIO.decode(KYCBody.self, r, c, allowedKeys: KYCBody.keys, allowEmpty: true)
        return try JSONIO.response(KYCSubmissionDTO(try await parties.kyc.resubmit(try id(c), body.input, by: p)))
    }

    func listKYC(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let q = Query(request: r)
        let page = try await parties.kyc.list(status: try q.enumValue("status", KYCStatus.self), merchantId: try q.id("merchantId", MerchantID.self),
                                              limit: try q.int("limit", in: 1...200), after: q.string("after"), by: p)
        return try JSONIO.response(ListDTO(data: page.items.map(KYCSubmissionDTO.init), next: page.next))
    }

    func getKYC(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try JSONIO.response(KYCSubmissionDTO(try await parties.kyc.get(try id(c), by: try c.requirePrincipal())))
    }

    func kycCommand(_ r: Request, _ c: AppRequestContext,
                    _ action: (KYCSubmissionID, Principal) async throws -> KYCSubmission) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: [], allowEmpty: true)
        return try JSONIO.response(KYCSubmissionDTO(try await action(try id(c), p)))
    }

    func kycReasonCommand(_ r: Request, _ c: AppRequestContext,
                          _ action: (KYCSubmissionID, String?, Principal) async throws -> KYCSubmission) async throws -> Response {
        let p = try c.requirePrincipal()
        let body = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: ReasonBody.keys)
        return try JSONIO.response(KYCSubmissionDTO(try await action(try id(c), body.reason, p)))
    }

    /// Raw file body (PDF, PNG or JPEG) with `?kind=&filename=`.
    func uploadDocument(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        var request = r
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: c.maxUploadSize) } catch is NIOTooManyBytesError {
            throw CommonError.payloadTooLarge(limitBytes: c.maxUploadSize)
        }
        let q = Query(request: r)
        let doc = try await parties.kyc.addDocument(submissionId: try id(c), kind: q.string("kind"), filename: q.string("filename"),
                                                    contentType: r.headers[.contentType], data: Data(buffer.readableBytesView), by: p)
        return try JSONIO.response(DocumentDTO(doc), status: .created, location: "/api/v1/kyc-documents/\(doc.id)")
    }

    func downloadDocument(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let (doc, data) = try await parties.kyc.document(try id(c), by: try c.requirePrincipal())
        return Response(status: .ok, headers: [
            .contentType: doc.contentType,
            .contentDisposition: "attachment; filename=\"\(doc.filename.replacingOccurrences(of: "\"", with: ""))\"",
            .init("Digest")!: "sha-256=\(Data(hexString: doc.sha256)?.base64EncodedString() ?? "")",
        ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: users

    struct UserBody: Decodable {
        let email: String?; let displayName: String?; let password: String?; let role: String?
        let merchantId: String?; let language: String?; let disabled: Bool?
        static let createKeys: Set<String> = ["email", "displayName", "password", "role", "merchantId", "language"]
        static let updateKeys: Set<String> = ["displayName", "role", "language", "disabled"]
        var input: UserInput {
            UserInput(email: email, displayName: displayName, password: password, role: role, merchantId: merchantId,
                      language: language, disabled: disabled)
        }
    }

    func listUsers(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let q = Query(request: r)
        let page = try await parties.users.list(merchantId: try q.id("merchantId", MerchantID.self), limit: try q.int("limit", in: 1...200),
                                                after: q.string("after"), by: p)
        return try JSONIO.response(ListDTO(data: page.items.map(UserDTO.init), next: page.next))
    }

    func createUser(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let body = try await JSONIO.decode(UserBody.self, r, c, allowedKeys: UserBody.createKeys)
        let u = try await parties.users.create(body.input, by: p)
        return try JSONIO.response(UserDTO(u), status: .created, location: "/api/v1/users/\(u.id)")
    }

    func getUser(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try JSONIO.response(UserDTO(try await parties.users.get(try id(c), by: try c.requirePrincipal())))
    }

    func updateUser(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let body = try await JSONIO.decode(UserBody.self, r, c, allowedKeys: UserBody.updateKeys)
        return try JSONIO.response(UserDTO(try await parties.users.update(try id(c), body.input, by: p)))
    }

    /// An operator admin (or a service key) resets a person's two-factor sign-in (issue 12 item 11).
    func resetTwoFactor(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: [], allowEmpty: true)
        return try JSONIO.response(UserDTO(try await parties.twoFactor.reset(try id(c), by: p)))
    }

    // MARK: API keys

    struct KeyBody: Decodable {
        let name: String?; let role: String?; let merchantId: String?
        static let keys: Set<String> = ["name", "role", "merchantId"]
    }

    func listKeys(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let q = Query(request: r)
        let page = try await parties.access.listKeys(limit: try q.int("limit", in: 1...200), after: q.string("after"), by: p)
        return try JSONIO.response(ListDTO(data: page.items.map { APIKeyDTO($0) }, next: page.next))
    }

    func createKey(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let body = try await JSONIO.decode(KeyBody.self, r, c, allowedKeys: KeyBody.keys)
        let (key, token) = try await parties.access.createKey(name: body.name, role: body.role, merchantId: body.merchantId, by: p)
        return try JSONIO.response(APIKeyDTO(key, token: token), status: .created, location: "/api/v1/api-keys/\(key.id)")
    }

    func getKey(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try JSONIO.response(APIKeyDTO(try await parties.access.getKey(try id(c), by: try c.requirePrincipal())))
    }

    func revokeKey(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        _ = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: [], allowEmpty: true)
        return try JSONIO.response(APIKeyDTO(try await parties.access.revokeKey(try id(c), by: p)))
    }

    // MARK: audit and notices

    func auditLog(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let q = Query(request: r)
        let page = try await AuditLog.page(services.db, limit: try q.int("limit", in: 1...500) ?? 100, after: q.string("after"), by: p)
        return try JSONIO.response(ListDTO(data: page.items.map(AuditEntryDTO.init), next: page.next))
    }

    /// Public (no auth): stores in their exit notice period (C 5.1).
    func exitNotices(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let q = Query(request: r)
        let page = try await parties.merchants.noticePage(limit: try q.int("limit", in: 1...200), after: q.string("after"))
        let notices = page.items.map {
            NoticeDTO(merchantId: $0.id.rawValue, name: $0.name, reason: $0.exitReason,
                      noticeStartedAt: $0.noticeStartedAt?.rfc3339, noticeEndsAt: $0.noticeEndsAt?.rfc3339)
        }
        return try JSONIO.response(ListDTO(data: notices, next: page.next))
    }
}

extension Data {
    init?(hexString: String) {
        guard hexString.count % 2 == 0 else { return nil }
        var d = Data()
        var i = hexString.startIndex
        while i < hexString.endIndex {
            let j = hexString.index(i, offsetBy: 2)
            guard let b = UInt8(hexString[i..<j], radix: 16) else { return nil }
            d.append(b)
            i = j
        }
        self = d
    }
}
