import Foundation
import Kernel
import Parties
import SQLKit
import Testing
import TestSupport

/// K2: KYC onboarding states, documents and encryption at rest (K6).
@Suite struct KYCTests {
    @Test func fullLifecycleToApproval() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let admin = h.principal(.merchantAdmin, merchant: m)
            let reviewer = h.principal(.complianceOfficer)
            let s = try await h.parties.kyc.submit(merchantId: m.id, h.kycInput(), by: admin)
            #expect(s.status == .submitted)
            #expect(try await h.parties.merchants.get(m.id, by: h.op).kycStatus == .submitted)
            let doc = try await h.parties.kyc.addDocument(submissionId: s.id, kind: "business-licence", filename: "licence.pdf",
                                                          contentType: "application/pdf", data: Harness.pdf, by: admin)
            #expect(doc.sha256 == Digest.sha256Hex(Harness.pdf) && doc.sizeBytes == Int64(Harness.pdf.count))
            await #expect(throws: CommonError.denied(.kycReview, role: .merchantAdmin)) { try await h.parties.kyc.startReview(s.id, by: admin) }
            await #expect(throws: CommonError.invalidTransition(entity: "KYC submission", from: "submitted", to: "approved")) {
                try await h.parties.kyc.approve(s.id, by: reviewer)
            }
            _ = try await h.parties.kyc.startReview(s.id, by: reviewer)
            let approved = try await h.parties.kyc.approve(s.id, by: reviewer)
            #expect(approved.status == .approved && approved.reviewerId == reviewer.actorId && approved.decidedAt != nil)
            let merchant = try await h.parties.merchants.get(m.id, by: h.op)
            #expect(merchant.status == .active && merchant.kycStatus == .approved)
            #expect(merchant.licenceExpiresOn == (try LocalDate(parsing: "2028-06-30")))
            let (meta, bytes) = try await h.parties.kyc.document(doc.id, by: admin)
            #expect(bytes == Harness.pdf && meta.filename == "licence.pdf")
            let actions = try await AuditLog.recent(h.db, merchantId: m.id, limit: 10).map(\.action)
            #expect(Array(actions.prefix(4)) == ["kyc.approved", "kyc.under-review", "kyc.document-added", "kyc.submitted"])
        }
    }

    @Test func rejectAndRequestInfoNeedReasons() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let s = try await h.parties.kyc.submit(merchantId: m.id, h.kycInput(), by: h.op)
            _ = try await h.parties.kyc.startReview(s.id, by: h.op)
            let e = await #expect(throws: ValidationError.self) { try await h.parties.kyc.reject(s.id, reason: "  ", by: h.op) }
            #expect(e?.fieldErrors.first?.field == "reason")
            #expect(try await h.parties.kyc.get(s.id, by: h.op).status == .underReview)
            let info = try await h.parties.kyc.requestMoreInfo(s.id, reason: "Licence scan is unreadable", by: h.op)
            #expect(info.status == .needsMoreInfo && info.decisionReason == "Licence scan is unreadable")
            let admin = h.principal(.merchantAdmin, merchant: m)
            _ = try await h.parties.kyc.addDocument(submissionId: s.id, kind: "business-licence", filename: "clear.pdf",
                                                    contentType: "application/pdf", data: Harness.pdf, by: admin)
            let again = try await h.parties.kyc.resubmit(s.id, KYCInput(address: "浙江省宁波市北仑区新碶街道 1 号"), by: admin)
            #expect(again.status == .submitted && again.address.hasSuffix("1 号") && again.decisionReason == nil)
            _ = try await h.parties.kyc.startReview(s.id, by: h.op)
            let rejected = try await h.parties.kyc.reject(s.id, reason: "Company is on a sanctions list", by: h.op)
            #expect(rejected.status == .rejected)
            #expect(try await h.parties.merchants.get(m.id, by: h.op).kycStatus == .rejected)
            // Rejected is final for that submission, but the merchant may start a new one.
            _ = try await h.parties.kyc.submit(merchantId: m.id, h.kycInput(), by: admin)
        }
    }

    @Test func approvalNeedsADocumentAndOnlyOneOpenSubmission() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let s = try await h.parties.kyc.submit(merchantId: m.id, h.kycInput(), by: h.op)
            let dup = await #expect(throws: CommonError.self) { try await h.parties.kyc.submit(merchantId: m.id, h.kycInput(), by: h.op) }
            #expect(dup?.code == "kyc-open-submission")
            _ = try await h.parties.kyc.startReview(s.id, by: h.op)
            let noDoc = await #expect(throws: CommonError.self) { try await h.parties.kyc.approve(s.id, by: h.op) }
            #expect(noDoc?.code == "kyc-no-documents")
            #expect(try await h.parties.kyc.get(s.id, by: h.op).status == .underReview)
            let locked = await #expect(throws: CommonError.self) {
                try await h.parties.kyc.addDocument(submissionId: s.id, kind: "other", filename: "a.pdf", contentType: "application/pdf", data: Harness.pdf, by: h.op)
            }
            #expect(locked?.code == "kyc-locked")
        }
    }

    @Test func submissionValidation() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let e = await #expect(throws: ValidationError.self) {
                try await h.parties.kyc.submit(merchantId: m.id, KYCInput(companyName: "X", registrationNumber: "12 ;DROP", country: "ZZ",
                                                                                  address: "a", licenceExpiresOn: "2026-03-01"), by: h.op)
            }
            #expect(Set(e?.fieldErrors.map(\.field) ?? []) == ["registrationNumber", "legalRepresentative", "country", "licenceExpiresOn"])
            let other = try await h.merchant("Other")
            await #expect(throws: CommonError.notFound(entity: "merchant", id: other.id.rawValue)) {
                try await h.parties.kyc.submit(merchantId: other.id, h.kycInput(), by: h.principal(.merchantAdmin, merchant: m))
            }
        }
    }

    @Test func documentsAreCheckedBySizeTypeAndContent() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let s = try await h.parties.kyc.submit(merchantId: m.id, h.kycInput(), by: h.op)
            let id = s.id
            await #expect(throws: CommonError.unsupportedMediaType("application/zip")) {
                try await h.parties.kyc.addDocument(submissionId: id, kind: "other", filename: "a.zip", contentType: "application/zip", data: Data([0x50, 0x4B]), by: h.op)
            }
            let mismatch = await #expect(throws: ValidationError.self) {
                try await h.parties.kyc.addDocument(submissionId: id, kind: "other", filename: "fake.png", contentType: "image/png", data: Harness.pdf, by: h.op)
            }
            #expect(mismatch?.fieldErrors.first?.code == "content-mismatch")
            await #expect(throws: CommonError.payloadTooLarge(limitBytes: 2 * 1024 * 1024)) {
                try await h.parties.kyc.addDocument(submissionId: id, kind: "other", filename: "big.pdf", contentType: "application/pdf",
                                                    data: Data("%PDF".utf8) + Data(count: 2 * 1024 * 1024), by: h.op)
            }
            let badKind = await #expect(throws: ValidationError.self) {
                try await h.parties.kyc.addDocument(submissionId: id, kind: "selfie", filename: "../x.pdf", contentType: "application/pdf", data: Harness.pdf, by: h.op)
            }
            #expect(badKind?.fieldErrors.map(\.field) == ["kind", "filename"])
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0])
            let ok = try await h.parties.kyc.addDocument(submissionId: id, kind: "id-document", filename: "id.png", contentType: "image/png; charset=binary", data: png, by: h.op)
            #expect(ok.contentType == "image/png")
            #expect(try await h.parties.kyc.get(id, by: h.op).documents.count == 1)
        }
    }

    @Test func registrationNumberIsEncryptedAtRest() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let s = try await h.parties.kyc.submit(merchantId: m.id, h.kycInput(regno: "91330206MA2AXXXX5B"), by: h.op)
            let row = try await h.db.read { try await $0.select().columns("registration_number_enc", "registration_number_idx").from("kyc_submissions").first() }!
            let enc = try row.decode(column: "registration_number_enc", as: String.self)
            #expect(!enc.contains("91330206") && enc.hasPrefix("v1."))
            #expect(try row.decode(column: "registration_number_idx", as: String.self) == TestFixtures.cipher.blindIndex("91330206MA2AXXXX5B", context: "kyc_submissions.registration_number"))
            #expect(try await h.parties.kyc.get(s.id, by: h.op).registrationNumber == "91330206MA2AXXXX5B")
        }
    }

    @Test func duplicateRegistrationNumbersAreFlaggedThroughTheBlindIndex() async throws {
        try await Harness.with { h in
            let a = try await h.merchant("A"), b = try await h.merchant("B"), c = try await h.merchant("C")
            _ = try await h.parties.kyc.submit(merchantId: a.id, h.kycInput(regno: "91330206MA2AXXXX5B"), by: h.op)
            let sb = try await h.parties.kyc.submit(merchantId: b.id, h.kycInput(regno: "91330206-ma2a xxxx5b"), by: h.op)
            let sc = try await h.parties.kyc.submit(merchantId: c.id, h.kycInput(regno: "91110000MA0000000X"), by: h.op)
            #expect(try await h.parties.kyc.duplicateRegistrations(sb, by: h.op) == [a.id])
            #expect(try await h.parties.kyc.duplicateRegistrations(sc, by: h.op).isEmpty)
            await #expect(throws: CommonError.self) { try await h.parties.kyc.duplicateRegistrations(sb, by: h.principal(.merchantAdmin, merchant: b)) }
        }
    }

    @Test func documentFilesAreEncryptedAtRest() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let s = try await h.parties.kyc.submit(merchantId: m.id, h.kycInput(), by: h.op)
            let doc = try await h.parties.kyc.addDocument(submissionId: s.id, kind: "id-document", filename: "passport.pdf",
                                                          contentType: "application/pdf", data: Harness.pdf, by: h.op)
            let raw = try await h.db.read { try await $0.select().column("content").from("kyc_documents").first()!.decode(column: "content", as: Data.self) }
            #expect(raw != Harness.pdf && raw.range(of: Data("%PDF".utf8)) == nil)
            #expect(try await h.parties.kyc.document(doc.id, by: h.op).1 == Harness.pdf)
            // Swapping ciphertexts between rows fails authentication instead of serving the wrong file.
            let other = try await h.parties.kyc.addDocument(submissionId: s.id, kind: "other", filename: "b.pdf",
                                                            contentType: "application/pdf", data: Harness.pdf + Data("x".utf8), by: h.op)
            try await h.db.read { try await $0.update("kyc_documents").set("content", to: raw).where("id", .equal, other.id.rawValue).run() }
            await #expect(throws: FieldCipherError.authenticationFailed) { try await h.parties.kyc.document(other.id, by: h.op) }
        }
    }

    @Test func onlyReviewersAndTheMerchantAdminReadKYC() async throws {
        try await Harness.with { h in
            let m = try await h.merchant()
            let s = try await h.parties.kyc.submit(merchantId: m.id, h.kycInput(), by: h.op)
            for p in [h.principal(.csAgent), h.principal(.finance), h.principal(.merchantStaff, merchant: m)] {
                await #expect(throws: CommonError.denied(.kycRead, role: p.role)) { try await h.parties.kyc.get(s.id, by: p) }
                await #expect(throws: CommonError.denied(.kycRead, role: p.role)) {
                    try await h.parties.kyc.list(status: nil, merchantId: nil, limit: nil, after: nil, by: p)
                }
            }
            #expect(try await h.parties.kyc.get(s.id, by: h.principal(.complianceOfficer)).id == s.id)
            #expect(try await h.parties.kyc.get(s.id, by: h.principal(.merchantAdmin, merchant: m)).id == s.id)
        }
    }

    @Test func merchantsCannotReachOtherMerchantsSubmissions() async throws {
        try await Harness.with { h in
            let a = try await h.merchant("A"), b = try await h.merchant("B")
            let sb = try await h.parties.kyc.submit(merchantId: b.id, h.kycInput(), by: h.op)
            let doc = try await h.parties.kyc.addDocument(submissionId: sb.id, kind: "other", filename: "b.pdf", contentType: "application/pdf", data: Harness.pdf, by: h.op)
            let pa = h.principal(.merchantAdmin, merchant: a)
            await #expect(throws: CommonError.notFound(entity: "KYC submission", id: sb.id.rawValue)) { try await h.parties.kyc.get(sb.id, by: pa) }
            await #expect(throws: CommonError.notFound(entity: "document", id: doc.id.rawValue)) { try await h.parties.kyc.document(doc.id, by: pa) }
            await #expect(throws: CommonError.notFound(entity: "KYC submission", id: sb.id.rawValue)) {
                try await h.parties.kyc.addDocument(submissionId: sb.id, kind: "other", filename: "x.pdf", contentType: "application/pdf", data: Harness.pdf, by: pa)
            }
            #expect(try await h.parties.kyc.list(status: nil, merchantId: b.id, limit: nil, after: nil, by: pa).items.isEmpty)
            #expect(try await h.parties.kyc.get(sb.id, by: h.op).documents.count == 1)
        }
    }
}
