import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import NIOCore
import Parties
import SQLKit
import Testing
import TestSupport
import Web

/// Issue 10: the attacks an outside check made against the landed main, each replayed here and now failing.
@Suite struct SecurityAttackTests {
    /// An operator admin with a console login and two API keys of her own.
    static func twoKeysOfOnePerson(_ h: WebHarness, email: String = "alice@op.example") async throws -> (userId: String, String, String) {
        let access = h.services.parties.access
        let u = try await h.services.parties.users.create(UserInput(email: email, displayName: "Alice", password: "correct horse battery",
                                                                    role: "operator-admin", language: "en"), by: .system("test"))
        let session = try #require(try await access.login(email: email, password: "correct horse battery"))
        let (_, first) = try await access.createKey(name: "one", role: "operator-admin", merchantId: nil, by: session.principal)
        let (_, second) = try await access.createKey(name: "two", role: "operator-admin", merchantId: nil, by: session.principal)
        return (u.id.rawValue, first, second)
    }

    /// Item 6: four-eyes and appeal rules compare people, so a second key of the proposer, issuer or appellant is refused.
    @Test func aSecondKeyOfTheSamePersonIsStillThatPerson() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let (_, k1, k2) = try await Self.twoKeysOfOnePerson(h)
            let change = try await c.call(.post, "/api/v1/catalogue/changes", key: k1, json: """
                {"summary":"EU zorbium ban","ops":[{"op":"upsert","rule":{"id":"EU-PRO-Z9","market":"EU","category":"prohibited",
                 "term":"contains zorbium","match":"word","severity":4,"source":"Test Regulation Art. 1"}}]}
                """)
            let id = try #require(change.json.str("id"))
            let selfApproved = try await c.call(.post, "/api/v1/catalogue/changes/\(id)/approve", key: k2, json: "{}")
            #expect(selfApproved.status == .conflict && selfApproved.json.str("code") == "four-eyes")
            #expect(try await c.call(.post, "/api/v1/catalogue/changes/\(id)/approve", key: h.operatorKey, json: "{}").status == .ok)

            // She issues a penalty with one key and appeals it with another: a third key of hers may not decide it.
            let pen = try await c.call(.post, "/api/v1/penalties", key: k1,
                                       json: #"{"merchantId":"\#(h.merchantA.id)","violation":"prohibited","reason":"Ivory carving"}"#)
            let penId = try #require(pen.json.str("id"))
            #expect(try await c.call(.post, "/api/v1/penalties/\(penId)/appeal", key: k2, json: #"{"reason":"resin"}"#).json.str("status") == "appealed")
            let (_, k3) = try await h.services.parties.access.createKey(name: "three", role: "operator-admin", merchantId: nil,
                                                                        by: try #require(try await h.services.parties.access.principal(forToken: k2)))
            let judged = try await c.call(.post, "/api/v1/penalties/\(penId)/decision", key: k3, json: #"{"outcome":"overturned","note":"mine"}"#)
            #expect(judged.status == .conflict && judged.json.str("code") == "four-eyes")
            // Another person (the harness's service key) decides it; the appellant of a second penalty may not judge it either.
            #expect(try await c.call(.post, "/api/v1/penalties/\(penId)/decision", key: h.operatorKey,
                                     json: #"{"outcome":"upheld","note":"Ivory confirmed"}"#).status == .ok)
            let (_, b1, _) = try await Self.twoKeysOfOnePerson(h, email: "bruno@op.example")
            let pen2 = try await c.call(.post, "/api/v1/penalties", key: h.operatorKey,
                                        json: #"{"merchantId":"\#(h.merchantA.id)","violation":"prohibited","reason":"Second"}"#)
            let pen2Id = try #require(pen2.json.str("id"))
            _ = try await c.call(.post, "/api/v1/penalties/\(pen2Id)/appeal", key: b1, json: #"{"reason":"filed for the merchant"}"#)
            let ownAppeal = try await c.call(.post, "/api/v1/penalties/\(pen2Id)/decision", key: b1, json: #"{"outcome":"overturned","note":"x"}"#)
            #expect(ownAppeal.status == .conflict && ownAppeal.json.str("code") == "four-eyes")
        }
    }

    /// Item 3: an Idempotency-Key belongs to one credential. Staff repeating the admin's key and body get their own
    /// outcome (403), never the admin's new key; and a staff 403 stored first does not poison the admin's request.
    @Test func idempotencyKeysAreScopedPerCredentialAndAuthorisedFirst() async throws {
        try await WebHarness.with { h, c in
            let (_, staffKey) = try await h.services.parties.access.createKey(name: "staff", role: "merchant-staff",
                                                                              merchantId: h.merchantA.id.rawValue, by: .system("test"))
            let body = #"{"name":"erp","role":"merchant-admin"}"#
            let k1: HTTPFields = [.init("Idempotency-Key")!: "mint-1"]
            let admin = try await c.call(.post, "/api/v1/api-keys", key: h.keyA, json: body, headers: k1)
            #expect(admin.status == .created && admin.json.str("key")?.hasPrefix("tl_") == true)
            let staff = try await c.call(.post, "/api/v1/api-keys", key: staffKey, json: body, headers: k1)
            #expect(staff.status == .forbidden && staff.json.str("key") == nil && staff.headers[.init("Idempotent-Replayed")!] == nil)
            // The admin's own retry replays the same key.
            let replay = try await c.call(.post, "/api/v1/api-keys", key: h.keyA, json: body, headers: k1)
            #expect(replay.json.str("key") == admin.json.str("key") && replay.headers[.init("Idempotent-Replayed")!] == "true")

            let k2: HTTPFields = [.init("Idempotency-Key")!: "mint-2"]
            #expect(try await c.call(.post, "/api/v1/api-keys", key: staffKey, json: body, headers: k2).status == .forbidden)
            let notPoisoned = try await c.call(.post, "/api/v1/api-keys", key: h.keyA, json: body, headers: k2)
            #expect(notPoisoned.status == .created && notPoisoned.json.str("key") != admin.json.str("key"))
        }
    }

    /// Item 2: stored responses hold new API keys and decrypted registration numbers; neither may be found in clear
    /// anywhere in the database (every row of every table, and on SQLite the main file and its WAL byte for byte).
    @Test func noSecretOrSensitiveValueIsStoredInClear() async throws {
        try await WebHarness.with { h, c in
            var secrets: [String] = []
            let created = try await c.call(.post, "/api/v1/api-keys", key: h.operatorKey, json: #"{"name":"root","role":"operator-admin"}"#,
                                           headers: [.init("Idempotency-Key")!: "root-key"])
            secrets.append(try #require(created.json.str("key")))
            let merchantKey = try await c.call(.post, "/api/v1/api-keys", key: h.keyA, json: #"{"name":"erp","role":"merchant-staff"}"#,
                                               headers: [.init("Idempotency-Key")!: "erp-key"])
            secrets.append(try #require(merchantKey.json.str("key")))
            let regno = "91440300MA5FQ7Z81X"
            let kyc = try await c.call(.post, "/api/v1/merchants/\(h.merchantA.id)/kyc-submissions", key: h.keyA, json: """
                {"companyName":"Alpha Export Co.","registrationNumber":"\(regno)","legalRepresentative":"Li Lei","country":"CN",
                 "address":"Shenzhen","licenceExpiresOn":"2029-01-01"}
                """, headers: [.init("Idempotency-Key")!: "kyc-1"])
            #expect(kyc.status == .created && kyc.json.str("registrationNumber") == regno)
            let replay = try await c.call(.post, "/api/v1/merchants/\(h.merchantA.id)/kyc-submissions", key: h.keyA, json: """
                {"companyName":"Alpha Export Co.","registrationNumber":"\(regno)","legalRepresentative":"Li Lei","country":"CN",
                 "address":"Shenzhen","licenceExpiresOn":"2029-01-01"}
                """, headers: [.init("Idempotency-Key")!: "kyc-1"])
            #expect(replay.json.str("registrationNumber") == regno && replay.headers[.init("Idempotent-Replayed")!] == "true")
            secrets.append(regno)
            secrets.append(contentsOf: [h.operatorKey, h.keyA, h.keyB])
            // Webhook signing secrets (issue 11 item 6): sealed at rest, also in the stored idempotent response.
            let hook = try await c.call(.post, "/api/v1/webhooks", key: h.keyA, json: #"{"url":"https://shop.example/hooks","events":["*"]}"#,
                                        headers: [.init("Idempotency-Key")!: "hook-1"])
            secrets.append(try #require(hook.json.str("secret")))
            let rotated = try await c.call(.post, "/api/v1/webhooks/\(try #require(hook.json.str("id")))/rotate-secret", key: h.keyA)
            secrets.append(try #require(rotated.json.str("secret")))

            // Two-factor (issue 12 item 11): the TOTP secret sealed, recovery codes as keyed digests.
            let parties = h.services.parties
            _ = try await parties.users.create(UserInput(email: "totp@op.example", displayName: "TOTP", password: "totp password 1",
                                                         role: "finance"), by: .system("t"))
            let person = try #require(try await parties.access.login(email: "totp@op.example", password: "totp password 1")).principal
            let enrolment = try await parties.twoFactor.beginEnrolment(by: person)
            let base32 = enrolment.secretGrouped.replacingOccurrences(of: " ", with: "")
            let codes = try await parties.twoFactor.confirmEnrolment(code: RFC6238.code(base32: base32, at: h.clock.now()), by: person)
            secrets.append(contentsOf: [base32, String(decoding: RFC6238.base32Decode(base32), as: UTF8.self)])
            secrets.append(contentsOf: codes + codes.map { $0.replacingOccurrences(of: "-", with: "") })

            let leaks = try await DatabaseScan.find(secrets, in: h.services.db)
            #expect(leaks.isEmpty, "found in clear: \(leaks)")
            // The scan itself finds what is there in clear (a control, so an empty result means something).
            #expect(try await DatabaseScan.find(["Alpha Export Co."], in: h.services.db).isEmpty == false)
        }
    }
}

extension SecurityAttackTests {
    /// A penalty's listingId is linked to (GET /listings/{id}): empty means none, anything else must be a listing id.
    @Test func penaltyListingIdsAreListingIdsOrNothing() async throws {
        try await WebHarness.with { h, c in
            let bad = try await c.call(.post, "/api/v1/penalties", key: h.operatorKey,
                                       json: #"{"merchantId":"\#(h.merchantA.id)","violation":"other","reason":"x","listingId":"../merchants"}"#)
            #expect(bad.status == .unprocessableContent && bad.json.fieldNames == ["listingId"])
            let none = try await c.call(.post, "/api/v1/penalties", key: h.operatorKey,
                                        json: #"{"merchantId":"\#(h.merchantA.id)","violation":"other","reason":"x","listingId":""}"#)
            #expect(none.status == .created && none.json["listingId"] is NSNull)
        }
    }
}

/// Looks for values in every row of every table, as text and as hex (PostgreSQL prints bytea as hex), and on SQLite in
/// the bytes of the database file and its WAL.
enum DatabaseScan {
    static func find(_ needles: [String], in db: Database) async throws -> [String] {
        var found: Set<String> = []
        let tables: [String] = try await db.read { sql in
            let query = db.engine == .sqlite
                ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
            return try await sql.raw(SQLQueryString(query)).all().map { try $0.decode(column: "name", as: String.self) }
        }
        for table in tables {
            let rows: [String] = try await db.read { sql in
                let query = db.engine == .sqlite
                    ? "SELECT * FROM \(table)"
                    : "SELECT t::text AS row FROM \(table) t"
                return try await sql.raw(SQLQueryString(query)).all().map { row in
                    if db.engine == .postgres { return try row.decode(column: "row", as: String.self) }
                    return row.allColumns.map { column -> String in
                        if let text = try? row.decode(column: column, as: String.self) { return text }
                        if let data = try? row.decode(column: column, as: Data.self) { return String(decoding: data, as: UTF8.self) }
                        return ""
                    }.joined(separator: "\u{1F}")
                }
            }
            for row in rows {
                for n in needles where row.contains(n) || row.contains(hex(n)) { found.insert("\(n.prefix(12))… in \(table)") }
            }
        }
        if db.engine == .sqlite {
            for suffix in ["", "-wal"] {
                guard let bytes = FileManager.default.contents(atPath: db.location + suffix) else { continue }
                for n in needles where bytes.range(of: Data(n.utf8)) != nil { found.insert("\(n.prefix(12))… in file\(suffix)") }
            }
        }
        return found.sorted()
    }

    static func hex(_ s: String) -> String { s.utf8.map { String(format: "%02x", $0) }.joined() }
}
