import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Logging
import Parties
import Testing
import TestSupport
@testable import Web
import Webhooks

/// Every console page rendered from its typed page model (issue 11 item 5) over the demo data, as operator admin and as
/// merchant admin, in en and zh: no Mustache tag is left unrendered and the page shows the values its model carries.
/// With `TRADELANE_PAGE_SNAPSHOTS=<dir>` set, each page's HTML is also written there, to compare renderings of two builds.
@Suite struct ConsolePageModelTests {
    struct Fixture {
        let lamp: Merchant
        let listing: Listing
        let endpointId: String
    }

    /// The demo tenant set, plus a webhook endpoint with one delivery and an inbox notification for each side.
    static func seed(_ h: WebHarness, receiver: WebhookReceiver) async throws -> Fixture {
        let system = Principal.system("t")
        #expect(try await DemoData.seed(h.services))
        let merchants = try await h.services.parties.merchants.list(MerchantListQuery(sort: "name", limit: 50), by: system).items
        let lamp = try #require(merchants.first { $0.name.hasPrefix("Shenzhen Bright Lamp") })
        let gifts = try #require(merchants.first { $0.name.hasPrefix("Yiwu Global Gifts") })
        let live = try await h.services.listings.list(status: .active, market: nil, query: nil, limit: 50, after: nil, by: system).0
        let listing = try #require(live.first { $0.content.title.hasPrefix("Hand-painted ceramic tea set") })
        let (endpoint, _) = try await h.services.webhooks.endpoints.create(
            WebhookEndpointInput(merchantId: lamp.id.rawValue, url: receiver.url("/lamp"), events: ["*"], description: "Shop sync"), by: system)
        _ = try await h.services.webhooks.endpoints.ping(endpoint.id.rawValue, by: system)
        await JobWorker(services: h.services, logger: Logger(label: "test"), worker: "w1").runOnce()
        try await h.services.db.transaction { sql in
            try await h.services.notifier.notify(NotificationRequest(
                recipients: [.role(.merchantAdmin, merchantId: lamp.id), .role(.operatorAdmin, merchantId: nil)],
                template: "kyc.decided", params: ["decision": "approved", "merchantName": lamp.name],
                merchantId: lamp.id, entity: "merchant", entityId: lamp.id.rawValue), in: sql)
        }
        _ = gifts
        return Fixture(lamp: lamp, listing: listing, endpointId: endpoint.id.rawValue)
    }

    /// (snapshot name, path, expected status); the jobs page is for operator admins only.
    static func pages(_ f: Fixture, year: Int, isOperator: Bool) -> [(String, String, HTTPResponse.Status)] {
        let lamp = f.lamp.id.rawValue
        return [
            ("dashboard", "/console", .ok),
            ("merchants", "/console/merchants", .ok),
            ("merchants-sorted", "/console/merchants?sort=name&dir=desc&q=o", .ok),
            ("merchants-status", "/console/merchants?status=onboarding&sort=kyc_status", .ok),
            ("merchant", "/console/merchants/\(lamp)", .ok),
            ("kyc", "/console/kyc", .ok),
            ("kyc-sorted", "/console/kyc?sort=merchant&dir=desc", .ok),
            ("kyc-status", "/console/kyc?status=under-review&sort=licence", .ok),
            ("api-keys", "/console/api-keys", .ok),
            ("notices", "/notices", .ok),
            ("screening", "/console/screening", .ok),
            ("listings", "/console/listings", .ok),
            ("listings-active", "/console/listings?status=active&q=o", .ok),
            ("takedowns", "/console/takedowns", .ok),
            ("takedowns-filtered", "/console/takedowns?status=open&sort=merchant&dir=desc", .ok),
            ("takedowns-report", "/console/takedowns?trigger=report&q=bag", .ok),
            ("catalogue", "/console/catalogue", .ok),
            ("catalogue-all", "/console/catalogue?status=all&sort=summary&dir=asc", .ok),
            ("catalogue-rules", "/console/catalogue/rules?market=US&sort=severity&dir=desc&q=a", isOperator ? .ok : .forbidden),
            ("catalogue-rule", "/console/catalogue/rules/US-PRO-0005", isOperator ? .ok : .forbidden),
            ("catalogue-rule-new", "/console/catalogue/rules/new", isOperator ? .ok : .forbidden),
            ("catalogue-rule-edit", "/console/catalogue/rules/US-PRO-0005/edit", isOperator ? .ok : .forbidden),
            ("penalties", "/console/penalties", .ok),
            ("penalties-filtered", "/console/penalties?sort=points&dir=asc&violation=ad-word&year=\(year)&merchantId=\(lamp)", .ok),
            ("certifications", "/console/certifications", .ok),
            ("certifications-filtered", "/console/certifications?state=expired&sort=merchant&dir=desc&q=un", .ok),
            ("regulations", "/console/regulations", .ok),
            ("regulations-sorted", "/console/regulations?sort=title&rsort=name&rdir=asc&level=high", .ok),
            ("regulations-filtered", "/console/regulations?market=EU&state=met&q=bisphenol", .ok),
            ("deadlines", "/console/deadlines", .ok),
            ("deadlines-sorted", "/console/deadlines?sort=merchant&dir=desc&module=compliance", .ok),
            ("deadlines-bad-filter", "/console/deadlines?state=nonsense", .ok),
            ("jobs", "/console/jobs", isOperator ? .ok : .forbidden),
            ("jobs-done", "/console/jobs?status=done", isOperator ? .ok : .forbidden),
            ("webhooks", "/console/webhooks", .ok),
            ("webhooks-endpoint", "/console/webhooks?endpoint=\(f.endpointId)", .ok),
            ("inbox", "/console/inbox", .ok),
            ("inbox-unread", "/console/inbox?unread=true", .ok),
            ("account", "/console/account", .ok),
            ("public-listing", "/p/listings/\(f.listing.id)", .ok),
            ("public-listing-missing", "/p/listings/lst_missing", .notFound),
            ("merchant-missing", "/console/merchants/mer_00000000000000000000000000", .notFound),
        ]
    }

    static func snapshot(_ name: String, _ html: String) throws {
        guard let dir = ProcessInfo.processInfo.environment["TRADELANE_PAGE_SNAPSHOTS"], !dir.isEmpty else { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try html.write(toFile: "\(dir)/\(name).html", atomically: true, encoding: .utf8)
    }

    @Test func everyPageRendersItsTypedModelForOperatorAndMerchantInBothLanguages() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await WebHarness.with(configure: { $0.webhooksAllowPrivateNetworks = true }) { h, c in
            let f = try await Self.seed(h, receiver: receiver)
            let year = Calendar(identifier: .gregorian).component(.year, from: h.clock.now())
            // Logged out: the login page, a failed login and the public pages.
            var anon = ConsoleTests.Browser()
            let login = try await anon.send(c, .get, "/console/login")
            #expect(login.status == .ok && !login.html.contains("{{") && login.html.contains("id=\"login-submit\""))
            try Self.snapshot("anon-login", login.html)
            let failed = try await anon.send(c, .post, "/console/login",
                                             form: ["email": "lamp@tradelane.local", "password": "wrong", "_csrf": ConsoleTests.csrf(login.html) ?? ""])
            #expect(failed.status == .unauthorized && failed.html.contains("id=\"login-error\"") && failed.html.contains("value=\"lamp@tradelane.local\""))
            try Self.snapshot("anon-login-failed", failed.html)
            let notices = try await anon.send(c, .get, "/notices")
            #expect(notices.status == .ok && !notices.html.contains("{{"))
            try Self.snapshot("anon-notices", notices.html)

            for (who, email) in [("operator", "admin@tradelane.local"), ("merchant", "lamp@tradelane.local")] {
                for lang in [Language.en, .zh] {
                    var b = ConsoleTests.Browser()
                    let signedIn = try await b.login(c, email, DemoData.password)
                    #expect(signedIn.status == .seeOther, "\(email)")
                    let first = try await b.send(c, .get, "/console")
                    let token = try #require(ConsoleTests.csrf(first.html))
                    _ = try await b.send(c, .post, "/console/language", form: ["_csrf": token, "lang": lang.rawValue, "return": "/console"])
                    var html: [String: String] = [:]
                    for (name, path, status) in Self.pages(f, year: year, isOperator: who == "operator") {
                        let page = try await b.send(c, .get, path)
                        #expect(page.status == status, "\(who) \(lang) \(path)")
                        #expect(!page.html.contains("{{") && !page.html.contains("}}"), "\(who) \(lang) \(path)")
                        #expect(page.html.contains("<html lang=\"\(lang.rawValue)\">"), "\(who) \(lang) \(path)")
                        html[name] = page.html
                        try Self.snapshot("\(who)-\(lang.rawValue)-\(name)", page.html)
                    }
                    // The screening form posted, with its verdict and findings.
                    let screened = try await b.send(c, .post, "/console/screening", form: [
                        "_csrf": token, "market": "EU", "title": "Nike-style <b>shoes</b>", "description": "contains BPA", "certifications": "CE"])
                    #expect(screened.status == .ok && screened.html.contains("data-verdict=") && screened.html.contains("<mark>"))
                    #expect(screened.html.contains("value=\"EU\" selected"))
                    try Self.snapshot("\(who)-\(lang.rawValue)-screening-result", screened.html)

                    // Values the models carry: names, labels, rows of every table.
                    let lampName = f.lamp.name
                    #expect(html["dashboard"]!.contains(MerchantStatus.onboarding.label(lang)))
                    #expect(html["dashboard"]!.contains(who == "operator" ? "Yiwu Global Gifts Co." : lampName))
                    #expect(html["merchant"]!.contains(lampName) && html["merchant"]!.contains(KYCStatus.underReview.label(lang)))
                    #expect(html["public-listing"]!.contains(f.listing.content.title) && html["public-listing"]!.contains("<title>\(f.listing.content.title) · Tradelane</title>"))
                    #expect(html["penalties"]!.contains("Absolute claim 最佳 in three listings"))
                    #expect(html["webhooks-endpoint"]!.contains(receiver.url("/lamp")) && html["webhooks-endpoint"]!.contains("data-delivery-id=\"whd_"))
                    #expect(html["inbox"]!.contains("data-template=\"kyc.decided\"") && html["inbox"]!.contains("class=\"unread\""))
                    #expect(html["deadlines-bad-filter"]!.contains("class=\"flash error\" role=\"alert\""))
                    #expect(html["public-listing-missing"]!.contains("id=\"error-detail\""))
                    if who == "operator" {
                        #expect(html["merchants"]!.contains("Hangzhou Silk Road Apparel Ltd.") && html["merchants"]!.contains("aria-sort=\"ascending\""))
                        #expect(html["merchants-sorted"]!.contains("aria-sort=\"descending\""))
                        #expect(html["kyc"]!.contains("深圳明灯贸易有限公司") && html["kyc"]!.contains(KYCStatus.submitted.label(lang)))
                        #expect(html["takedowns"]!.contains("Designer-inspired tote bag") && html["takedowns"]!.contains("class=\"countdown"))
                        #expect(html["catalogue"]!.contains("bumper pad for crib") && html["catalogue"]!.contains("<svg class=\"chart\""))
                        #expect(html["certifications"]!.contains("2AXYZ-QI15W") && html["certifications"]!.contains("data-state=\"expired\""))
                        #expect(html["regulations"]!.contains("eu-2024-3190-bisphenols-fcm") && html["regulations"]!.contains("data-status=\"overdue\""))
                        #expect(html["deadlines"]!.contains("data-state=") && html["deadlines"]!.contains("Designer-inspired tote bag"))
                        #expect(html["jobs"]!.contains("data-job-id=\"job_") && html["jobs"]!.contains("data-status=\"done\""))
                        #expect(html["listings-active"]!.contains("data-status=\"active\""))
                        #expect(html["api-keys"]!.contains("data-key-id=\"key_"))
                        #expect(html["webhooks"]!.contains(lampName))
                    } else {
                        #expect(!html["merchants"]!.contains("Hangzhou Silk Road Apparel Ltd."))
                        #expect(html["penalties"]!.contains("data-penalty-id=") && html["penalties"]!.contains(lampName))
                    }
                }
            }
            // Every name a template read is a field of its page model or of the chrome (a typo renders as nothing).
            #expect(ConsoleViewAudit.unknownNames.isEmpty, "\(ConsoleViewAudit.unknownNames.sorted())")
        }
    }
}
