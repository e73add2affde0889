import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Logging
import NIOCore
import Parties
import Testing
import TestSupport
@testable import Web

/// The compliance operations API over the bundled catalogue: four-eyes catalogue changes with re-screen jobs
/// (CMP1, CMP2), the takedown queue (CMP3), penalties (CMP4), certificates (CMP5), regulations and country risk
/// (CMP6, CMP9); validation in problem+json per Accept-Language, idempotent retries, tenant walls.
@Suite struct ComplianceOpsAPITests {
    static let listing = """
        {"title":"Polycarbonate bottle, contains zorbium","description":"750 ml","images":[{"url":"https://cdn.example/b.jpg","alt":"bottle"}],
         "price":{"amount":"6.90","currency":"EUR"},"originCountry":"CN","markets":["EU"],"unit":"1 bottle",
         "variationNotice":"Colour may vary.","responsiblePerson":"B B.V., Damrak 1, Amsterdam, NL, rp@b.example"}
        """

    @Test func catalogueChangeIsApprovedByASecondOfficerAndRescreens() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let (_, officerKey) = try await h.services.parties.access.createKey(name: "officer", role: "compliance-officer", merchantId: nil,
                                                                                by: .system("test"))
            let listing = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: Self.listing)
            #expect(listing.json.str("status") == "active")
            let summary = try await c.call(.get, "/api/v1/catalogue", key: h.operatorKey)
            #expect(summary.json["version"] as? Int == 1 && (summary.json["rules"] as? Int ?? 0) > 600)
            let body = """
                {"summary":"EU zorbium ban","ops":[{"op":"upsert","rule":{"id":"EU-PRO-Z1","market":"EU","category":"prohibited",
                 "term":"contains zorbium","match":"word","severity":4,"source":"Test Regulation Art. 1"}}]}
                """
            let idem: HTTPFields = [.init("Idempotency-Key")!: "zorbium-1"]
            let proposed = try await c.call(.post, "/api/v1/catalogue/changes", key: officerKey, json: body, headers: idem)
            let again = try await c.call(.post, "/api/v1/catalogue/changes", key: officerKey, json: body, headers: idem)
            #expect(proposed.status == .created && again.json.str("id") == proposed.json.str("id"))
            #expect(try await c.call(.get, "/api/v1/catalogue/changes?status=pending", key: h.operatorKey).json.list.count == 1)
            let id = try #require(proposed.json.str("id"))
            let selfApprove = try await c.call(.post, "/api/v1/catalogue/changes/\(id)/approve", key: officerKey, json: "{}")
            #expect(selfApprove.status == .conflict && selfApprove.json.str("code") == "four-eyes")
            #expect(try await c.call(.post, "/api/v1/catalogue/changes/\(id)/approve", key: h.keyA, json: "{}").status == .forbidden)
            let approved = try await c.call(.post, "/api/v1/catalogue/changes/\(id)/approve", key: h.operatorKey, json: #"{"reason":"OJ checked"}"#)
            #expect(approved.status == .ok)
            let jobs = approved.json["jobs"] as? [[String: Any]] ?? []
            #expect(jobs.map { $0["market"] as? String } == ["EU"] && jobs.first?["status"] as? String == "queued")
            // The job worker runs the queued re-screen (Kernel's queue, issue 11) and opens the 24 h case.
            await JobWorker(services: h.services, logger: Logger(label: "test"), worker: "w1").runOnce()
            let job = try await c.call(.get, "/api/v1/rescreen-jobs/\(jobs[0]["id"] as? String ?? "")", key: h.operatorKey)
            #expect(job.json.str("status") == "done" && job.json["percent"] as? Int == 100 && job.json["casesOpened"] as? Int == 1)
            let cases = try await c.call(.get, "/api/v1/takedowns?status=open", key: h.operatorKey)
            #expect(cases.json.list.count == 1 && cases.json.list.first?["remainingSeconds"] as? Int == 24 * 3600)
            let csv = try await c.call(.get, "/api/v1/catalogue/rules?format=csv&market=EU", key: h.operatorKey)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true && String(buffer: csv.raw).contains("EU-PRO-Z1,EU,prohibited,contains zorbium"))
            let versions = try await c.call(.get, "/api/v1/catalogue/versions", key: h.operatorKey)
            #expect(versions.json.list.map { $0["version"] as? Int } == [2, 1])
        }
    }

    @Test func badCatalogueInputIsNamedInTheCallersLanguage() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let zh: HTTPFields = [.acceptLanguage: "zh-CN"]
            let badRule = try await c.call(.post, "/api/v1/catalogue/changes", key: h.operatorKey, json: """
                {"summary":"x","ops":[{"op":"delete","ruleId":"US-PRO-0005"},{"op":"upsert","rule":{"id":"X-1","market":"MARS","category":"prohibited","term":"x","source":"s"}}]}
                """)
            #expect(badRule.status == .unprocessableContent && badRule.json.fieldNames == ["ops[1].rule.market"])
            let badOp = try await c.call(.post, "/api/v1/catalogue/changes", key: h.operatorKey, json: #"{"summary":"x","ops":[{"op":"explode"}]}"#, headers: zh)
            #expect(badOp.status == .unprocessableContent && badOp.json.fieldNames == ["ops[0].op"])
            #expect((badOp.json["errors"] as? [[String: Any]])?.first?["message"] as? String == "op 须为 upsert 或 delete。")
            let badFile = try await c.call(.post, "/api/v1/catalogue/imports", key: h.operatorKey,
                                           json: #"{"format":"csv","mode":"merge","content":"id,market\nx,US"}"#)
            #expect(badFile.status == .unprocessableContent && badFile.json.fieldNames == ["content"])
            let badFormat = try await c.call(.post, "/api/v1/catalogue/imports", key: h.operatorKey, json: #"{"format":"xlsx","mode":"wipe"}"#)
            #expect(badFormat.json.fieldNames == ["format", "mode", "content"])
            #expect(try await h.count("catalogue_changes") == 0)
            #expect(try await c.call(.get, "/api/v1/catalogue/changes", key: h.keyA).status == .forbidden)
        }
    }

    @Test func takedownPenaltyAndCertificateEndpointsKeepTenantsApart() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let pdf = Data("%PDF-1.4 certificate".utf8).base64EncodedString()
            let cert = try await c.call(.post, "/api/v1/certifications", key: h.keyA, json: """
                {"type":"CE","number":"DoC-7","issuer":"Alpha QA","expiresOn":"2027-03-01","fileName":"doc.pdf","contentType":"application/pdf","fileBase64":"\(pdf)"}
                """)
            #expect(cert.status == .created && cert.json.str("status") == "valid" && cert.json["hasFile"] as? Bool == true)
            let certId = try #require(cert.json.str("id"))
            let file = try await c.call(.get, "/api/v1/certifications/\(certId)/file", key: h.keyA)
            #expect(file.headers[.contentType] == "application/pdf" && String(buffer: file.raw) == "%PDF-1.4 certificate")
            #expect(try await c.call(.get, "/api/v1/certifications/\(certId)/file", key: h.keyB).status == .notFound)
            let bad = try await c.call(.post, "/api/v1/certifications", key: h.keyA, json: #"{"type":"CE","number":"1","issuer":"x","fileBase64":"***"}"#)
            #expect(bad.status == .unprocessableContent && bad.json.fieldNames == ["fileBase64"])

            let l = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: """
                {"title":"Monogram canvas tote","images":[{"url":"https://cdn.example/t.jpg"}],"price":{"amount":"19.90","currency":"EUR"},
                 "originCountry":"CN","markets":["EU"],"unit":"1 bag","variationNotice":"Colour may vary.",
                 "responsiblePerson":"T B.V., Damrak 2, Amsterdam, NL","certifications":["\(certId)"]}
                """)
            let listingId = try #require(l.json.str("id"))
            #expect(l.json.str("status") == "active")
            let report = try await c.call(.post, "/api/v1/takedowns", key: h.operatorKey,
                                          json: #"{"listingId":"\#(listingId)","category":"brand","reason":"Rights holder notice"}"#)
            #expect(report.status == .created && report.json.str("sla") == "running")
            let caseId = try #require(report.json.str("id"))
            #expect(try await c.call(.get, "/api/v1/takedowns/\(caseId)", key: h.keyB).status == .notFound)
            #expect(try await c.call(.get, "/api/v1/takedowns/\(caseId)", key: h.keyA).status == .ok)
            #expect(try await c.call(.post, "/api/v1/takedowns/\(caseId)/resolve", key: h.keyA, json: #"{"action":"clear","reason":"mine"}"#).status == .forbidden)
            let resolved = try await c.call(.post, "/api/v1/takedowns/\(caseId)/resolve", key: h.operatorKey,
                                            json: #"{"action":"take-down","reason":"Counterfeit confirmed"}"#)
            #expect((resolved.json["takedown"] as? [String: Any])?["status"] as? String == "taken-down")
            #expect((resolved.json["listing"] as? [String: Any])?["status"] as? String == "taken-down")
            let stats = try await c.call(.get, "/api/v1/takedowns/stats?from=2026-03-01&to=2026-03-31", key: h.operatorKey)
            #expect(stats.json["opened"] as? Int == 1 && stats.json["resolvedInTime"] as? Int == 1)
            #expect(try await c.call(.get, "/api/v1/takedowns/stats", key: h.keyA).status == .forbidden)

            let standing = try await c.call(.get, "/api/v1/merchants/\(h.merchantA.id.rawValue)/standing", key: h.keyA)
            #expect(standing.json["points"] as? Int == 6 && standing.json["sanctions"] as? [String] == ["warning"])
            #expect(try await c.call(.get, "/api/v1/merchants/\(h.merchantA.id.rawValue)/standing", key: h.keyB).status == .notFound)
            let pens = try await c.call(.get, "/api/v1/penalties", key: h.keyA)
            let penId = try #require(pens.json.list.first?["id"] as? String)
            #expect(try await c.call(.get, "/api/v1/penalties", key: h.keyB).json.list.isEmpty)
            let appeal = try await c.call(.post, "/api/v1/penalties/\(penId)/appeal", key: h.keyA, json: #"{"reason":"Licensed pattern"}"#)
            #expect(appeal.json.str("status") == "appealed")
            let policy = try await c.call(.get, "/api/v1/penalty-policy", key: h.keyA)
            #expect((policy.json["thresholds"] as? [String: Int])?["store-closure"] == 48)
            let badPolicy = try await c.call(.put, "/api/v1/penalty-policy", key: h.operatorKey,
                                             json: #"{"points":{"prohibited":500},"thresholds":{"warning":10,"ad-ban":5}}"#)
            #expect(badPolicy.status == .unprocessableContent && Set(badPolicy.json.fieldNames) == ["points.prohibited", "thresholds.ad-ban"])
        }
    }

    @Test func regulationsAndCountryRisk() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let all = try await c.call(.get, "/api/v1/regulations?market=EU", key: h.keyA)
            #expect(all.json.list.count >= 10 && all.json.list.allSatisfy { $0["market"] as? String == "EU" && $0["state"] as? String == "baseline" })
            let rec = try await c.call(.post, "/api/v1/regulations", key: h.operatorKey, json: """
                {"country":"AU","market":"AU","title":"Test Mandatory Standard","authority":"ACCC","url":"https://www.accc.gov.au/x",
                 "changedOn":"2026-02-27","summary":"New mandatory standard."}
                """)
            #expect(rec.status == .created && rec.json.str("state") == "pending" && rec.json["lagWorkingDays"] is NSNull)
            let lag = try await c.call(.get, "/api/v1/regulations/lag", key: h.operatorKey)
            #expect(lag.json["slaWorkingDays"] as? Int == 10 && lag.json["pending"] as? Int == 1)
            #expect(try await c.call(.post, "/api/v1/regulations", key: h.keyA, json: #"{"country":"AU"}"#).status == .forbidden)
            let risk = try await c.call(.get, "/api/v1/country-risks/KP", key: h.keyA)
            #expect(risk.json.str("level") == "severe" && !(risk.json.str("measuresZh") ?? "").isEmpty)
            let put = try await c.call(.put, "/api/v1/country-risks/KP", key: h.operatorKey, json: #"{"level":"unknown"}"#)
            #expect(put.status == .unprocessableContent && put.json.fieldNames == ["level", "basis", "measuresEn", "measuresZh"])
        }
    }

    @Test func publicListingPageShowsConvertedPricesWithTheirBasis() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let xml = try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/ecb/eurofxref-daily.xml"))
            try await h.services.fx.importECB(xml)
            let l = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: """
                {"title":"Ceramic tea set","images":[{"url":"https://cdn.example/t.jpg"}],"price":{"amount":"19.90","currency":"USD"},
                 "originCountry":"CN","markets":["US","EU","JP"],"unit":"1 set","variationNotice":"Colour may vary.",
                 "responsiblePerson":"T B.V., Damrak 2, Amsterdam, NL"}
                """)
            let id = try #require(l.json.str("id"))
            let page = try await c.call(.get, "/p/listings/\(id)", key: nil, headers: [.acceptLanguage: "en"])
            let html = String(buffer: page.raw)
            #expect(page.status == .ok)
            #expect(html.contains("≈ 16.88 EUR") && html.contains("1 USD = 0.8482 EUR (ECB reference rate 2018-06-11)"))
            #expect(html.contains("≈ 2188 JPY") && !html.contains("≈ 19.90 USD"))
            #expect(try await c.call(.get, "/p/listings/lst_00000000000000000000000000", key: nil).status == .notFound)
            // Issue 12 item 12: the 2018 rates are marked stale today; no image host is configured, so no photo and a
            // policy that allows none.
            #expect(html.contains(#"id="fx-stale""#) && html.contains("2018-06-11, more than 7 days ago"))
            #expect(!html.contains("https://cdn.example/t.jpg") && page.headers[.contentSecurityPolicy]?.contains("img-src 'self' data:;") == true)
            let zh = String(buffer: try await c.call(.get, "/p/listings/\(id)", key: nil, headers: [.acceptLanguage: "zh-CN"]).raw)
            #expect(zh.contains("汇率为 2018-06-11 的数据，已超过 7 天"))
            // The day after the rates were published they are current: no note.
            h.clock.set(Date(timeIntervalSince1970: 1_528_761_600))   // 2018-06-12T00:00:00Z
            let fresh = String(buffer: try await c.call(.get, "/p/listings/\(id)", key: nil, headers: [.acceptLanguage: "en"]).raw)
            #expect(fresh.contains("≈ 16.88 EUR") && !fresh.contains(#"id="fx-stale""#))
        }
    }

    @Test func publicListingPhotosComeOnlyFromConfiguredHosts() async throws {
        try await WebHarness.with(approvedKYC: true, configure: { $0.imageHosts = ["cdn.example"] }) { h, c in
            let body = #"{"title":"Ceramic tea set","images":[{"url":"https://cdn.example/t.jpg","alt":"Tea set"},{"url":"https://evil.example/x.jpg"},{"url":"http://cdn.example/plain.jpg"}],"price":{"amount":"19.90","currency":"USD"},"originCountry":"CN","markets":["US","EU","JP"],"unit":"1 set","variationNotice":"Colour may vary.","responsiblePerson":"T B.V., Damrak 2, Amsterdam, NL"}"#
            let l = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: body)
            let id = try #require(l.json.str("id"))
            let page = try await c.call(.get, "/p/listings/\(id)", key: nil)
            let html = String(buffer: page.raw)
            #expect(page.status == .ok)
            #expect(html.contains(#"src="https://cdn.example/t.jpg""#) && !html.contains("evil.example") && !html.contains("plain.jpg"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("img-src 'self' data: https://cdn.example;") == true)
            // Console pages keep the strict policy.
            let login = try await c.call(.get, "/console/login", key: nil, headers: [.accept: "text/html"])
            #expect(login.headers[.contentSecurityPolicy]?.contains("img-src 'self' data:;") == true)
        }
        // A value that could widen the policy stops start-up, naming the variable.
        for bad in ["cdn.example; script-src *", "*", "https://cdn.example", "localhost"] {
            var config = AppConfig()
            config.imageHosts = [bad]
            #expect(throws: ConfigError.self) { try config.validatedImageHosts() }
        }
    }
}
