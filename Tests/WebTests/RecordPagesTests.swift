import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 12 item 2: a page per record (merchant, KYC submission, listing, takedown case, penalty) with the record's
/// timeline — names and roles rather than ids, actions as sentences, in zh and en — and tenant walls around each.
@Suite struct RecordPagesTests {
    struct Demo {
        let lamp: Merchant
        let silk: Merchant
        let lampKyc: KYCSubmission
        let silkKyc: KYCSubmission
        let caseId: String
        let caseListing: ListingID
        let caseMerchant: MerchantID
        let appealed: Penalty
    }

    static func seed(_ h: WebHarness) async throws -> Demo {
        let system = Principal.system("t")
        #expect(try await DemoData.seed(h.services))
        let merchants = try await h.services.parties.merchants.list(MerchantListQuery(sort: "name", limit: 50), by: system).items
        let lamp = try #require(merchants.first { $0.name.hasPrefix("Shenzhen Bright Lamp") })
        let silk = try #require(merchants.first { $0.name.hasPrefix("Hangzhou Silk Road") })
        let kyc = try await h.services.parties.kyc.list(status: nil, merchantId: nil, limit: 50, after: nil, by: system).items
        let lampKyc = try #require(kyc.first { $0.merchantId == lamp.id })
        let silkKyc = try #require(kyc.first { $0.merchantId == silk.id })
        let open = try #require(try await h.services.takedowns.list(status: .open, by: system).first)
        let appealed = try #require(try await h.services.penalties.list(merchantId: lamp.id, year: nil, status: .appealed, by: system).first)
        return Demo(lamp: lamp, silk: silk, lampKyc: lampKyc, silkKyc: silkKyc, caseId: open.id.rawValue, caseListing: open.listingId,
                    caseMerchant: open.merchantId, appealed: appealed)
    }

    static func signIn(_ c: any TestClientProtocol, _ email: String, _ lang: Language) async throws -> ConsoleTests.Browser {
        var b = ConsoleTests.Browser()
        let login = try await b.login(c, email, DemoData.password)
        #expect(login.status == .seeOther, "\(email)")
        let token = try #require(ConsoleTests.csrf(try await b.send(c, .get, "/console").html))
        _ = try await b.send(c, .post, "/console/language", form: ["_csrf": token, "lang": lang.rawValue, "return": "/console"])
        return b
    }

    /// The timeline's entries: (action code, the actor as shown, the whole entry's text).
    static func timeline(_ html: String) -> [(action: String, actor: String, text: String)] {
        guard let start = html.range(of: "id=\"timeline\"") else { return [] }
        let section = String(html[start.upperBound...].prefix { _ in true }).components(separatedBy: "</section>")[0]
        return section.components(separatedBy: "<li class=\"timeline-entry\" data-action=\"").dropFirst().map { piece in
            let action = String(piece.prefix { $0 != "\"" })
            let actor = piece.components(separatedBy: "class=\"timeline-actor\"").dropFirst().first?
                .components(separatedBy: ">").dropFirst().first?.components(separatedBy: "<").first ?? ""
            let text = piece.components(separatedBy: "</li>")[0].replacingOccurrences(of: #"<[^>]+>"#, with: " ", options: .regularExpression)
            return (action, actor, text)
        }
    }

    @Test func everyRecordPageShowsItsTimelineWithNamesAndSentencesInBothLanguages() async throws {
        try await WebHarness.with { h, c in
            let d = try await Self.seed(h)
            // An officer decides through the console's pages; each decision returns to the record and its timeline.
            var officer = try await Self.signIn(c, "compliance@tradelane.local", .en)
            let token = try #require(ConsoleTests.csrf(try await officer.send(c, .get, "/console/kyc/\(d.lampKyc.id)").html))
            let approved = try await officer.send(c, .post, "/console/kyc/\(d.lampKyc.id)/approve",
                                                  form: ["_csrf": token, "return": "/console/kyc/\(d.lampKyc.id)"])
            #expect(approved.status == .seeOther && approved.location == "/console/kyc/\(d.lampKyc.id)#timeline")
            let cleared = try await officer.send(c, .post, "/console/takedowns/\(d.caseId)/clear",
                                                 form: ["_csrf": token, "reason": "Licensed reseller, invoice on file", "return": "/console/takedowns/\(d.caseId)"])
            #expect(cleared.status == .seeOther && cleared.location == "/console/takedowns/\(d.caseId)#timeline")

            let sentences: [Language: [String: String]] = [
                .en: ["kyc.approved": "approved the KYC", "kyc.submitted": "submitted the KYC application", "merchant.created": "created the merchant",
                      "takedown.cleared": "decided the case: cleared", "takedown.opened": "opened a takedown case",
                      "penalty.issued": "issued penalty points", "penalty.appealed": "appealed the penalty", "listing.created": "created the listing"],
                .zh: ["kyc.approved": "通过了资质审核", "kyc.submitted": "提交了资质审核申请", "merchant.created": "创建了商户",
                      "takedown.cleared": "处置下架工单：已放行", "takedown.opened": "立案下架工单",
                      "penalty.issued": "开具了违规扣分", "penalty.appealed": "对扣分提出了申诉", "listing.created": "创建了商品"],
            ]
            for lang in [Language.en, .zh] {
                var admin = try await Self.signIn(c, "admin@tradelane.local", lang)
                let words = sentences[lang]!
                func check(_ path: String, _ expected: [(String, String?)]) async throws -> String {
                    let page = try await admin.send(c, .get, path)
                    #expect(page.status == .ok, "\(lang) \(path)")
                    #expect(page.html.contains("<html lang=\"\(lang.rawValue)\">") && !page.html.contains("{{"))
                    let entries = Self.timeline(page.html)
                    for (action, actor) in expected {
                        let entry = entries.first { $0.action == action }
                        #expect(entry != nil, "\(lang) \(path): no \(action) in \(entries.map(\.action))")
                        #expect(entry?.text.contains(words[action]!) == true, "\(lang) \(path) \(action): \(entry?.text ?? "")")
                        if let actor { #expect(entry?.actor == actor, "\(lang) \(path) \(action): actor \(entry?.actor ?? "")") }
                    }
                    for e in entries {
                        #expect(!e.actor.hasPrefix("usr_") && !e.actor.hasPrefix("key_") && !e.actor.isEmpty, "\(path): actor shown as \(e.actor)")
                        #expect(!e.text.contains("\(e.action) "), "\(path): the raw code \(e.action) is shown")
                    }
                    return page.html
                }
                let system = lang == .zh ? "系统" : "System"
                let kyc = try await check("/console/kyc/\(d.lampKyc.id)", [("kyc.approved", "Li Na (Compliance)"), ("kyc.submitted", system)])
                #expect(kyc.contains(lang == .zh ? "合规专员" : "Compliance officer"))
                #expect(kyc.contains("id=\"kyc-decision\"") && kyc.contains("Li Na (Compliance)"))
                let merchant = try await check("/console/merchants/\(d.lamp.id)", [("merchant.created", system)])
                #expect(merchant.contains("href=\"/console/kyc/\(d.lampKyc.id)\"") && merchant.contains("href=\"/console/penalties/\(d.appealed.id)\""))
                let caseMerchant = try await admin.send(c, .get, "/console/merchants/\(d.caseMerchant)").html
                #expect(caseMerchant.contains("href=\"/console/takedowns/\(d.caseId)\"") && caseMerchant.contains("href=\"/console/listings/lst_"))
                let listing = try await check("/console/listings/\(d.caseListing)", [("listing.created", nil), ("takedown.opened", nil)])
                #expect(listing.contains("id=\"versions-table\"") && listing.contains("data-version=\"1\"") && listing.contains("href=\"/console/takedowns/\(d.caseId)\""))
                let takedown = try await check("/console/takedowns/\(d.caseId)", [("takedown.cleared", "Li Na (Compliance)"), ("takedown.opened", nil)])
                #expect(takedown.contains("Licensed reseller, invoice on file") && takedown.contains("href=\"/console/listings/\(d.caseListing)\""))
                _ = try await check("/console/penalties/\(d.appealed.id)", [("penalty.issued", "Li Na (Compliance)"), ("penalty.appealed", "Chen Jie")])
                // The lists link each row to its page by the record's name.
                #expect(try await admin.send(c, .get, "/console/kyc").html.contains("href=\"/console/kyc/\(d.silkKyc.id)\">\(d.silkKyc.companyName)</a>"))
                #expect(try await admin.send(c, .get, "/console/takedowns?status=cleared").html.contains("href=\"/console/takedowns/\(d.caseId)\""))
                #expect(try await admin.send(c, .get, "/console/penalties").html.contains("href=\"/console/penalties/\(d.appealed.id)\""))
                #expect(try await admin.send(c, .get, "/console/listings?status=all").html.contains("href=\"/console/listings/\(d.caseListing)\""))
            }
            // Every name the record templates (and the timeline partial inside them) read is declared by their models.
            let undeclared = ConsoleViewAudit.unknownNames.filter { name in
                ["kyc-submission:", "listing:", "takedown-case:", "penalty:", "merchant:", "dashboard:"].contains { name.hasPrefix($0) }
            }
            #expect(undeclared.isEmpty, "\(undeclared)")
        }
    }

    @Test func theKycPagePreviewsAnImageAndAPdfFromTheTenantWalledRoute() async throws {
        try await WebHarness.with { h, c in
            let d = try await Self.seed(h)
            var admin = try await Self.signIn(c, "admin@tradelane.local", .en)
            let page = try await admin.send(c, .get, "/console/kyc/\(d.lampKyc.id)")
            let png = try #require(d.lampKyc.documents.first { $0.contentType == "image/png" })
            let pdf = try #require(d.lampKyc.documents.first { $0.contentType == "application/pdf" })
            #expect(page.html.contains("<img class=\"document-preview\" src=\"/console/kyc-documents/\(png.id)\""))
            #expect(page.html.contains("<object class=\"document-preview pdf\" data=\"/console/kyc-documents/\(pdf.id)\" type=\"application/pdf\""))
            // The page itself may not be framed; the documents may be, by the console's own pages only.
            for (doc, type) in [(png, "image/png"), (pdf, "application/pdf")] {
                let (status, headers) = try await c.execute(uri: "/console/kyc-documents/\(doc.id)", method: .get,
                                                            headers: [.cookie: admin.header]) { ($0.status, $0.headers) }
                #expect(status == .ok && headers[.contentType] == type)
                #expect(headers[HTTPField.Name("X-Frame-Options")!] == "SAMEORIGIN" && headers[.contentSecurityPolicy] == "frame-ancestors 'self'")
                #expect(headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
            let (_, pageHeaders) = try await c.execute(uri: "/console/kyc/\(d.lampKyc.id)", method: .get, headers: [.cookie: admin.header]) { ($0.status, $0.headers) }
            #expect(pageHeaders[HTTPField.Name("X-Frame-Options")!] == "DENY")
            // The page's CSP lets it embed its own documents (default-src 'self' covers img, object and frame).
            #expect(pageHeaders[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            // Earlier submissions: a rejected first attempt of Silk shows on its second submission with who decided.
            let officer = try await h.services.parties.access.principal(forToken: h.operatorKey)!
            _ = try await h.services.parties.kyc.startReview(d.silkKyc.id, by: officer)
            _ = try await h.services.parties.kyc.reject(d.silkKyc.id, reason: "Licence photo unreadable", by: officer)
            let second = try await h.services.parties.kyc.submit(merchantId: d.silk.id, KYCInput(
                companyName: "杭州丝路服饰有限公司", registrationNumber: "91330100MA2HXXXX3P", legalRepresentative: "周敏", country: "CN",
                address: "浙江省杭州市滨江区网商路 699 号", licenceExpiresOn: "2030-01-01"), by: officer)
            let again = try await admin.send(c, .get, "/console/kyc/\(second.id)")
            #expect(again.html.contains("data-submission-id=\"\(d.silkKyc.id)\"") && again.html.contains("Licence photo unreadable"))
            #expect(again.html.contains("API key “op”"))
        }
    }

    @Test func aMerchantOpensOnlyItsOwnRecordPagesAndDocuments() async throws {
        try await WebHarness.with { h, c in
            let d = try await Self.seed(h)
            let system = Principal.system("t")
            // A record of every kind that belongs to someone other than Bright Lamp.
            let silkPenalty = try await h.services.penalties.issue(merchantId: d.silk.id.rawValue, violation: "ad-word", points: nil, listingId: nil,
                                                                    reason: "Banned superlative", by: system)
            let otherListings = try await h.services.listings.list(ListingFilter(), limit: 200, after: nil, by: system).0.filter { $0.merchantId != d.lamp.id }
            let otherListing = try #require(otherListings.first)
            let cases = try await h.services.takedowns.list(status: nil, by: system)
            let otherCase = try #require(cases.first { $0.merchantId != d.lamp.id })
            let ownCase = cases.first { $0.merchantId == d.lamp.id }
            // Bright Lamp passes KYC and lists a product of its own.
            _ = try await h.services.parties.kyc.approve(d.lampKyc.id, by: system)
            let ownListing = try await h.services.listings.create(ListingInput(
                merchantId: d.lamp.id.rawValue, title: "LED desk lamp, warm white", description: "Aluminium arm, USB-C powered.",
                price: try Money(parsing: "24.00", currency: Currency("EUR")), originCountry: "CN", markets: ["US"], unit: "1 lamp"), by: system)
            let silkDoc = try #require(d.silkKyc.documents.first)

            for lang in [Language.en, .zh] {
                var lamp = try await Self.signIn(c, "lamp@tradelane.local", lang)
                for path in ["/console/kyc/\(d.silkKyc.id)", "/console/kyc-documents/\(silkDoc.id)", "/console/listings/\(otherListing.id)",
                             "/console/takedowns/\(otherCase.id)", "/console/penalties/\(silkPenalty.id)", "/console/merchants/\(d.silk.id)"] {
                    let page = try await lamp.send(c, .get, path)
                    #expect(page.status == .notFound, "\(lang) \(path) answered \(page.status)")
                    #expect(!page.html.contains(d.silk.name) && !page.html.contains("Banned superlative") && !page.html.contains(otherListing.content.title))
                }
                var own = ["/console/kyc/\(d.lampKyc.id)", "/console/listings/\(ownListing.id)", "/console/penalties/\(d.appealed.id)",
                           "/console/merchants/\(d.lamp.id)"]
                if let ownCase { own.append("/console/takedowns/\(ownCase.id)") }
                for path in own {
                    let page = try await lamp.send(c, .get, path)
                    #expect(page.status == .ok, "\(lang) \(path) answered \(page.status)")
                }
                // The platform's staff appear by role on a merchant's own records, not by name.
                let penalty = try await lamp.send(c, .get, "/console/penalties/\(d.appealed.id)")
                let issued = try #require(Self.timeline(penalty.html).first { $0.action == "penalty.issued" })
                #expect(issued.actor == (lang == .zh ? "平台工作人员" : "Tradelane staff") && !penalty.html.contains("Li Na"))
                #expect(issued.text.contains(lang == .zh ? "合规专员" : "Compliance officer"))
                #expect(Self.timeline(penalty.html).first { $0.action == "penalty.appealed" }?.actor == "Chen Jie")
            }
            // A malformed id is refused naming the field, not looked up.
            var lamp = try await Self.signIn(c, "lamp@tradelane.local", .en)
            #expect(try await lamp.send(c, .get, "/console/takedowns/lst_notacase").status == .unprocessableContent)
        }
    }

    @Test func theTimelinePagesAndIsBounded() async throws {
        try await WebHarness.with { h, c in
            let d = try await Self.seed(h)
            // 60 entries on one record: the page shows 50, the older link the rest; the store never returns more than 200.
            let audit = AuditLog(clock: h.clock)
            try await h.services.db.transaction { sql in
                for i in 0..<60 {
                    try await audit.append(AuditEvent(actor: "system:t", merchantId: d.lamp.id, action: "merchant.updated", entity: "merchant",
                                                      entityId: d.lamp.id.rawValue, data: ["fields": "n\(i)"]), in: sql)
                }
            }
            var admin = try await Self.signIn(c, "admin@tradelane.local", .en)
            let first = try await admin.send(c, .get, "/console/merchants/\(d.lamp.id)")
            #expect(Self.timeline(first.html).count == TimelineBuilder.pageSize)
            let older = try #require(first.html.components(separatedBy: "id=\"timeline-older\" href=\"").dropFirst().first?.components(separatedBy: "\"").first)
            let second = try await admin.send(c, .get, "/console/merchants/\(d.lamp.id)" + older.replacingOccurrences(of: "&amp;", with: "&").components(separatedBy: "#")[0])
            let rest = Self.timeline(second.html)
            #expect(rest.count >= 11 && rest.contains { $0.action == "merchant.created" })
            let all = try await AuditLog.forRecords(h.services.db, [AuditTarget("merchant", d.lamp.id.rawValue)], merchantId: nil, limit: 10_000)
            #expect(all.count <= 200)
            // Another merchant's scope sees none of Bright Lamp's entries even when it names the record.
            let walled = try await AuditLog.forRecords(h.services.db, [AuditTarget("merchant", d.lamp.id.rawValue)], merchantId: d.silk.id, limit: 50)
            #expect(walled.isEmpty)
            #expect(try await admin.send(c, .get, "/console/merchants/\(d.lamp.id)?tl=nonsense").status == .unprocessableContent)
        }
    }
}
