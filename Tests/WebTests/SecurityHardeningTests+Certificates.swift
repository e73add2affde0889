import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
import NIOCore
import Parties
import SQLKit
import Testing
import TestSupport
@testable import Web

/// Issue 10, K6: certificate files are encrypted at rest like KYC documents.
extension SecurityHardeningTests {
    @Test func certificateFilesAreEncryptedAtRest() async throws {
        try await WebHarness.with { h, c in
            let marker = "%PDF-1.4 certificate of conformity DoC-7391"
            let cert = try await c.call(.post, "/api/v1/certifications", key: h.keyA, json: """
                {"type":"CE","number":"DoC-7391","issuer":"Alpha QA","fileName":"doc.pdf","contentType":"application/pdf",
                 "fileBase64":"\(Data(marker.utf8).base64EncodedString())"}
                """)
            let id = try #require(cert.json.str("id"))
            let stored = try await h.services.db.read {
                try await $0.select().columns("file", "file_sealed").from("certifications").where("id", .equal, id).first()!
            }
            let bytes = try stored.decode(column: "file", as: Data.self)
            #expect(try stored.decode(column: "file_sealed", as: Int64.self) == 1)
            #expect(bytes.range(of: Data("%PDF".utf8)) == nil && bytes.range(of: Data("DoC-7391".utf8)) == nil)
            let file = try await c.call(.get, "/api/v1/certifications/\(id)/file", key: h.keyA)
            #expect(String(buffer: file.raw) == marker)
            // A file stored in clear by an earlier version is sealed at start and still downloads.
            let legacy = try await c.call(.post, "/api/v1/certifications", key: h.keyA, json: """
                {"type":"FCC","number":"F-1","issuer":"QA","fileName":"f.pdf","contentType":"application/pdf","fileBase64":"\(Data("%PDF-legacy".utf8).base64EncodedString())"}
                """)
            let legacyId = try #require(legacy.json.str("id"))
            try await h.services.db.transaction {
                try await $0.update("certifications").set("file", to: Data("%PDF-legacy".utf8)).set("file_sealed", to: Int64(0)).where("id", .equal, legacyId).run()
            }
            #expect(String(buffer: try await c.call(.get, "/api/v1/certifications/\(legacyId)/file", key: h.keyA).raw) == "%PDF-legacy")
            #expect(try await h.services.certifications.sealLegacyFiles() == 1)
            #expect(try await h.services.certifications.sealLegacyFiles() == 0)
            #expect(String(buffer: try await c.call(.get, "/api/v1/certifications/\(legacyId)/file", key: h.keyA).raw) == "%PDF-legacy")
        }
    }
}
