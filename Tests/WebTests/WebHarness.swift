import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import NIOCore
import Parties
import SQLKit
import TestSupport
import Web

/// The real router over a fresh database, with an operator key and two merchants with admin keys.
struct WebHarness {
    let services: AppServices
    let clock: FixedClock
    let operatorKey: String
    let merchantA: Merchant
    let merchantB: Merchant
    let keyA: String
    let keyB: String

    /// `approvedKYC`: both merchants pass KYC first, as a merchant must before it publishes listings (K2).
    static var config: AppConfig {
        var config = AppConfig(bcryptCost: 4)
        config.masterKey = TestFixtures.masterKey
        return config
    }

    /// `AppServices.prepare()` (migrations, regulation seed, catalogue version 1), stored once in the template.
    static let prepared = TestDatabase.Preparation(kind: "web.prepare") { db in
        try await AppServices(db: db, clock: FixedClock(TestFixtures.start), cipher: TestFixtures.cipher, config: WebHarness.config).prepare()
    }

    /// `configure` adjusts the configuration before the services are built (e.g. webhooks to a local receiver).
    static func with(approvedKYC: Bool = false, configure: @Sendable (inout AppConfig) -> Void = { _ in },
                     _ body: @escaping @Sendable (WebHarness, any TestClientProtocol) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: AllMigrations.list, prepared: prepared) { db in
            let clock = FixedClock(TestFixtures.start)
            var config = WebHarness.config
            configure(&config)
            let services = AppServices(db: db, clock: clock, cipher: TestFixtures.cipher, config: config)
            // Finds the template's data in place and loads the catalogue into these services.
            try await services.prepare()
            let system = Principal.system("test")
            let (_, opKey) = try await services.parties.access.createKey(name: "op", role: "operator-admin", merchantId: nil, by: system)
            let a = try await services.parties.merchants.create(MerchantInput(name: "Alpha Export Co.", country: "CN", contactEmail: "a@alpha.cn"), by: system)
            let b = try await services.parties.merchants.create(MerchantInput(name: "Beta Export Co.", country: "CN", contactEmail: "b@beta.cn"), by: system)
            let (_, ka) = try await services.parties.access.createKey(name: "a", role: "merchant-admin", merchantId: a.id.rawValue, by: system)
            let (_, kb) = try await services.parties.access.createKey(name: "b", role: "merchant-admin", merchantId: b.id.rawValue, by: system)
            let harness = WebHarness(services: services, clock: clock, operatorKey: opKey, merchantA: a, merchantB: b, keyA: ka, keyB: kb)
            if approvedKYC {
                try await harness.approveKYC(a)
                try await harness.approveKYC(b)
            }
            let app = Application(router: try await buildRouter(services))
            try await app.test(.router) { client in try await body(harness, client) }
        }
    }

    /// Submits, documents and approves a KYC for `m` through the real service.
    func approveKYC(_ m: Merchant) async throws {
        let system = Principal.system("test")
        let kyc = services.parties.kyc
        let sub = try await kyc.submit(merchantId: m.id, KYCInput(
            companyName: m.name, registrationNumber: "91440300MA5F\(m.id.rawValue.filter { $0.isLetter || $0.isNumber }.suffix(6).uppercased())", legalRepresentative: "Test Rep",
            country: m.country, address: "1 Test Road", licenceExpiresOn: "2030-01-01"), by: system)
        _ = try await kyc.addDocument(submissionId: sub.id, kind: "business-licence", filename: "licence.pdf",
                                      contentType: "application/pdf", data: DemoData.samplePDF(title: "licence"), by: system)
        _ = try await kyc.startReview(sub.id, by: system)
        _ = try await kyc.approve(sub.id, by: system)
    }

    func count(_ table: String) async throws -> Int {
        try await services.db.read { try await $0.select().column("*").from(table).all().count }
    }
}

extension TestClientProtocol {
    /// JSON request with a bearer key; returns status, headers and parsed JSON (if any).
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String?, json: String? = nil, body: ByteBuffer? = nil,
              headers extra: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, json: [String: Any], raw: ByteBuffer) {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if json != nil && headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let buffer = body ?? json.map { ByteBuffer(string: $0) }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer) { res in
            let data = Data(res.body.readableBytesView)
            let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            return (res.status, res.headers, obj, res.body)
        }
    }
}

extension Dictionary where Key == String, Value == Any {
    var list: [[String: Any]] { self["data"] as? [[String: Any]] ?? [] }
    func str(_ k: String) -> String? { self[k] as? String }
    var fieldNames: [String] { (self["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String } }
}
