import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 12 item 6: console lists sort, filter, search and page in SQL (keyset cursor under any sort, both engines),
/// show "N of M" honestly, and act on selected rows one service call per row with a per-row result.
@Suite struct TableScaleTests {
    /// The ids of a console table's rows (`data-<attr>="…"`), in page order.
    static func rowIds(_ html: String, attr: String) -> [String] {
        html.components(separatedBy: "\(attr)=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    /// The `href` of the link with this id, HTML-unescaped.
    static func link(_ html: String, id: String) -> String? {
        guard let r = html.range(of: "id=\"\(id)\" href=\"") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    static func user(_ h: WebHarness, _ email: String, role: String, merchant: MerchantID? = nil) async throws {
        _ = try await h.services.parties.users.create(UserInput(email: email, displayName: email, password: "a long test password",
                                                                role: role, merchantId: merchant?.rawValue, language: "en"), by: .system("t"))
    }

    /// 260 merchants (ties on the creation time: the clock stands still for every other one), walked page by page in
    /// the console and through the service under several sorts: each row exactly once, in the order one query gives.
    @Test func walkingPagesUnderAnySortGivesEachRowOnceInOrder() async throws {
        try await WebHarness.with { h, c in
            let system = Principal.system("t")
            for i in 0..<260 {
                // Names repeat (37 distinct) so that the sort value ties and the id decides.
                _ = try await h.services.parties.merchants.create(MerchantInput(name: "Shop \(String(format: "%03d", i % 37)) 上海", country: i % 2 == 0 ? "CN" : "DE",
                                                                               contactEmail: "m\(i)@shop.cn"), by: system)
                if i % 2 == 0 { h.clock.advance(by: 1) }
            }
            let all = try await h.services.parties.merchants.list(MerchantListQuery(limit: 200), by: system)
            #expect(all.total == 262)
            for (sort, desc) in [("name", false), ("name", true), ("created_at", true), ("country", false), ("kyc_status", false)] {
                var seen: [String] = []
                var after: String?
                var pages = 0
                repeat {
                    let page = try await h.services.parties.merchants.list(MerchantListQuery(sort: sort, descending: desc, limit: 17, after: after), by: system)
                    #expect(page.total == 262)
                    seen += page.items.map(\.id.rawValue)
                    after = page.next
                    pages += 1
                } while after != nil && pages < 100
                #expect(seen.count == 262 && Set(seen).count == 262, "\(sort) \(desc): \(seen.count) rows, \(Set(seen).count) distinct")
                // The order is (sort value, id) throughout: compare with the merchants sorted here.
                let byId = Dictionary(uniqueKeysWithValues: try await Self.everyMerchant(h).map { ($0.id.rawValue, $0) })
                let keys = seen.map { id -> (String, String) in
                    let m = byId[id]!
                    let v = switch sort {
                    case "name": m.name.lowercased()
                    case "created_at": String(format: "%015lld", m.createdAt.epochMillis)
                    case "country": m.country
                    default: m.kycStatus?.rawValue ?? ""
                    }
                    return (v, id)
                }
                let ordered = zip(keys, keys.dropFirst()).allSatisfy { a, b in desc ? (a.0 > b.0 || (a.0 == b.0 && a.1 > b.1)) : (a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)) }
                #expect(ordered, "\(sort) \(desc) out of order")
            }
            // A cursor from one order is refused under another (it would skip or repeat rows).
            let first = try await h.services.parties.merchants.list(MerchantListQuery(sort: "name", limit: 5), by: system)
            await #expect(throws: ValidationError.self) {
                try await h.services.parties.merchants.list(MerchantListQuery(sort: "country", limit: 5, after: first.next), by: system)
            }

            // The console: 100 a page, "N of M", the next link keeps search and sort, the first-page link drops the cursor.
            try await Self.user(h, "admin@tl.cn", role: "operator-admin")
            var b = ConsoleTests.Browser()
            _ = try await b.login(c, "admin@tl.cn", "a long test password")
            var uri: String? = "/console/merchants?q=%E4%B8%8A%E6%B5%B7&sort=name&dir=desc"
            var rows: [String] = []
            var visited = 0
            while let next = uri, visited < 10 {
                let page = try await b.send(c, .get, next)
                #expect(page.status == .ok)
                let ids = Self.rowIds(page.html, attr: "data-merchant-id")
                #expect(ids.count <= ConsolePaging.pageSize)
                rows += ids
                #expect(page.html.contains("of 260 rows") || page.html.contains(">260 rows"), "summary missing")
                if visited > 0 { #expect(Self.link(page.html, id: "first-page")?.contains("after=") == false) }
                uri = Self.link(page.html, id: "next-page").map { "/console/merchants" + $0 }
                if let u = uri { #expect(u.contains("q=") && u.contains("sort=name") && u.contains("dir=desc")) }
                visited += 1
            }
            #expect(visited == 3 && rows.count == 260 && Set(rows).count == 260)
            let expected = try await Self.everyMerchant(h).filter { $0.name.contains("上海") }
                .sorted { ($0.name.lowercased(), $0.id.rawValue) > ($1.name.lowercased(), $1.id.rawValue) }.map(\.id.rawValue)
            #expect(rows == expected)
            // Search is in SQL: the two harness merchants match "export", the shops do not.
            let found = try await b.send(c, .get, "/console/merchants?q=EXPORT")
            #expect(Self.rowIds(found.html, attr: "data-merchant-id").sorted() == [h.merchantA.id.rawValue, h.merchantB.id.rawValue].sorted())
            #expect(found.html.contains(">2 rows"))
        }
    }

    static func everyMerchant(_ h: WebHarness) async throws -> [Merchant] {
        var out: [Merchant] = []
        var after: String?
        repeat {
            let page = try await h.services.parties.merchants.list(MerchantListQuery(limit: 200, after: after), by: .system("t"))
            out += page.items
            after = page.next
        } while after != nil
        return out
    }

    /// Five live listings of merchant A and one of B, each reported: six open takedown cases.
    static func openCases(_ h: WebHarness, _ c: any TestClientProtocol) async throws -> [String] {
        var cases: [String] = []
        for i in 0..<6 {
            let l = try await c.call(.post, "/api/v1/listings", key: i < 5 ? h.keyA : h.keyB, json: ListingAPITests.body)
            let id = try #require(l.json.str("id"))
            let k = try await c.call(.post, "/api/v1/takedowns", key: h.operatorKey, json: #"{"listingId":"\#(id)","category":"brand","reason":"Notice \#(i)"}"#)
            cases.append(try #require(k.json.str("id")))
            h.clock.advance(by: 60)
        }
        return cases
    }

    /// Bulk take-down of three cases, one of them already decided: two done, one refused with the reason, each done
    /// one audited; more than a batch may hold is refused as a whole; the takedown list filters and searches in SQL.
    @Test func bulkTakeDownGivesPerRowResultsAndAuditEntries() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let cases = try await Self.openCases(h, c)
            try await Self.user(h, "officer@tl.cn", role: "compliance-officer")
            var b = ConsoleTests.Browser()
            _ = try await b.login(c, "officer@tl.cn", "a long test password")
            let list = try await b.send(c, .get, "/console/takedowns?status=open")
            #expect(Self.rowIds(list.html, attr: "data-case-id").count == 6)
            #expect(list.html.contains("id=\"select-all\"") && list.html.contains("aria-label=\"Select all rows on this page\""))
            #expect(list.html.contains("data-confirm=\"Take down {n} selected listings?"))
            let token = try #require(ConsoleTests.csrf(list.html))
            // One case decided first: it is refused in the batch.
            _ = try await h.services.takedowns.resolve(cases[1], action: "clear", reason: "Licensed reseller", by: .system("t"))
            let body = ["_csrf": token, "action": "take-down", "reason": "Counterfeit", "return": "?status=open"]
            let result = try await Self.bulk(c, &b, "/console/takedowns/bulk", body, ids: Array(cases[0..<3]))
            #expect(result.status == .ok)
            #expect(result.html.contains("2 done, 1 refused."))
            let done = result.html.components(separatedBy: "data-done=\"true\"").count - 1
            let refused = result.html.components(separatedBy: "data-done=\"false\"").count - 1
            #expect(done == 2 && refused == 1)
            #expect(result.html.contains("Organic cotton tote bag"))
            let statuses = try await cases[0..<3].asyncMap { try await h.services.takedowns.get($0, by: .system("t")).status.rawValue }
            #expect(statuses == ["taken-down", "cleared", "taken-down"])
            let audit = try await AuditLog.recent(h.services.db, merchantId: nil, limit: 50)
            #expect(Set(audit.filter { $0.action == "takedown.taken-down" }.map(\.entityId)) == [cases[0], cases[2]])

            // Too many ids: nothing happens, the list says why.
            let tooMany = try await Self.bulk(c, &b, "/console/takedowns/bulk", body, ids: cases.suffix(3) + (0..<200).map { "tdc_x\($0)" })
            #expect(tooMany.status == .seeOther)
            #expect(try await h.services.takedowns.get(cases[3], by: .system("t")).status == .open)
            let flashed = try await b.send(c, .get, tooMany.location ?? "/console/takedowns")
            #expect(flashed.html.contains("A bulk action takes at most 200 rows"))

            // Filters and search in SQL: open cases of merchant B found by its name; decided ones by status.
            let byName = try await b.send(c, .get, "/console/takedowns?status=open&q=beta+export")
            #expect(Self.rowIds(byName.html, attr: "data-case-id") == [cases[5]])
            let decided = try await b.send(c, .get, "/console/takedowns?status=taken-down&sort=opened&dir=asc")
            #expect(Self.rowIds(decided.html, attr: "data-case-id") == [cases[0], cases[2]])
        }
    }

    /// Weaker roles select rows too (a forged form): each row is refused by the service, nothing changes.
    @Test func aWeakerRolesBulkActionIsRefusedPerRow() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let cases = try await Self.openCases(h, c)
            try await Self.user(h, "finance@tl.cn", role: "finance")
            try await Self.user(h, "shop@tl.cn", role: "merchant-admin", merchant: h.merchantA.id)
            for email in ["finance@tl.cn", "shop@tl.cn"] {
                var b = ConsoleTests.Browser()
                _ = try await b.login(c, email, "a long test password")
                let list = try await b.send(c, .get, "/console/takedowns")
                #expect(!list.html.contains("id=\"bulk-form\""), "\(email) is offered bulk actions")
                let token = try #require(ConsoleTests.csrf(try await b.send(c, .get, "/console").html))
                let result = try await Self.bulk(c, &b, "/console/takedowns/bulk", ["_csrf": token, "action": "take-down", "reason": "x"], ids: cases)
                #expect(result.status == .ok)
                #expect(result.html.contains("0 done, 6 refused."), "\(email)")
                #expect(!result.html.contains("data-done=\"true\""))
            }
            // KYC: finance may not review; each submission is refused by the service.
            let sub = try await h.services.parties.kyc.submit(merchantId: h.merchantA.id, KYCInput(
                companyName: "Alpha Export Co.", registrationNumber: "91440300MA5FZZZZZ1", legalRepresentative: "Rep", country: "CN",
                address: "1 Road", licenceExpiresOn: "2030-01-01"), by: .system("t"))
            var fin = ConsoleTests.Browser()
            _ = try await fin.login(c, "finance@tl.cn", "a long test password")
            let token = try #require(ConsoleTests.csrf(try await fin.send(c, .get, "/console").html))
            let kyc = try await Self.bulk(c, &fin, "/console/kyc/bulk", ["_csrf": token, "action": "approve"], ids: [sub.id.rawValue])
            #expect(kyc.html.contains("0 done, 1 refused."))
            #expect(try await h.services.parties.kyc.get(sub.id, by: .system("t")).status == .submitted)
            for id in cases { #expect(try await h.services.takedowns.get(id, by: .system("t")).status == .open) }
        }
    }

    /// A reviewer starts review of two submissions in one go and approves them; one not under review is refused.
    @Test func kycBulkStartReviewAndApprove() async throws {
        try await WebHarness.with { h, c in
            var subs: [String] = []
            for m in [h.merchantA, h.merchantB] {
                let s = try await h.services.parties.kyc.submit(merchantId: m.id, KYCInput(
                    companyName: m.name, registrationNumber: "91440300MA5F\(m.id.rawValue.filter { $0.isLetter || $0.isNumber }.suffix(6).uppercased())", legalRepresentative: "Rep",
                    country: "CN", address: "1 Road", licenceExpiresOn: "2030-01-01"), by: .system("t"))
                _ = try await h.services.parties.kyc.addDocument(submissionId: s.id, kind: "business-licence", filename: "licence.pdf",
                                                                 contentType: "application/pdf", data: DemoData.samplePDF(title: "licence"), by: .system("t"))
                subs.append(s.id.rawValue)
            }
            try await Self.user(h, "officer@tl.cn", role: "compliance-officer")
            var b = ConsoleTests.Browser()
            _ = try await b.login(c, "officer@tl.cn", "a long test password")
            let page = try await b.send(c, .get, "/console/kyc?q=beta")
            #expect(Self.rowIds(page.html, attr: "data-submission-id") == [subs[1]])
            let token = try #require(ConsoleTests.csrf(page.html))
            let early = try await Self.bulk(c, &b, "/console/kyc/bulk", ["_csrf": token, "action": "approve"], ids: [subs[0]])
            #expect(early.html.contains("0 done, 1 refused."))
            let started = try await Self.bulk(c, &b, "/console/kyc/bulk", ["_csrf": token, "action": "start-review"], ids: subs)
            #expect(started.html.contains("2 done, 0 refused."))
            let approved = try await Self.bulk(c, &b, "/console/kyc/bulk", ["_csrf": token, "action": "approve"], ids: subs)
            #expect(approved.html.contains("2 done, 0 refused."))
            for id in subs { #expect(try await h.services.parties.kyc.get(.init(unchecked: id), by: .system("t")).status == .approved) }
        }
    }

    /// Listings in review: approve two and reject one in bulk; a listing already decided is refused; the queue sorts by
    /// title in SQL.
    @Test func listingsBulkApproveAndReject() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let merchant = Principal(actorId: "key_a", userId: nil, merchantId: h.merchantA.id, role: .merchantAdmin, channel: .apiKey)
            var ids: [String] = []
            for title in ["C 20000mAh power bank", "A 10000mAh power bank", "B 5000mAh power bank"] {
                let l = try await h.services.listings.create(ListingInput(title: title, price: try Money(parsing: "19.00", currency: Currency("USD")),
                                                                         originCountry: "CN", markets: ["US"]), by: merchant)
                #expect(l.status == .needsReview)
                ids.append(l.id.rawValue)
            }
            try await Self.user(h, "officer@tl.cn", role: "compliance-officer")
            var b = ConsoleTests.Browser()
            _ = try await b.login(c, "officer@tl.cn", "a long test password")
            let queue = try await b.send(c, .get, "/console/listings?sort=title")
            #expect(Self.rowIds(queue.html, attr: "data-listing-id") == [ids[1], ids[2], ids[0]])
            #expect(queue.html.contains(">3 rows"))
            let token = try #require(ConsoleTests.csrf(queue.html))
            let approved = try await Self.bulk(c, &b, "/console/listings/bulk", ["_csrf": token, "action": "clear", "reason": "UN38.3 on file"],
                                               ids: [ids[0], ids[1]])
            #expect(approved.html.contains("2 done, 0 refused."))
            let rejected = try await Self.bulk(c, &b, "/console/listings/bulk", ["_csrf": token, "action": "reject", "reason": "No test report"],
                                               ids: [ids[1], ids[2]])
            #expect(rejected.html.contains("1 done, 1 refused."))
            let statuses = try await ids.asyncMap { try await h.services.listings.get(.init(unchecked: $0), by: merchant).status }
            #expect(statuses == [.active, .active, .rejected])
            let audit = try await AuditLog.recent(h.services.db, merchantId: nil, limit: 50)
            #expect(audit.filter { $0.action == "listing.active" }.count == 2 && audit.filter { $0.action == "listing.rejected" }.count == 1)
        }
    }

    /// Catalogue changes page in SQL: 105 proposals over two pages, each once, newest first; the search finds one.
    @Test func catalogueChangesPageAndSearch() async throws {
        try await WebHarness.with { h, c in
            for i in 0..<105 {
                let proposed = try await c.call(.post, "/api/v1/catalogue/changes", key: h.operatorKey, json: """
                    {"summary":"change \(i)","ops":[{"op":"upsert","rule":{"id":"EU-PRO-T\(i)","market":"EU","category":"prohibited",
                     "term":"tablium \(i)","match":"word","severity":4,"source":"Test Regulation Art. \(i)"}}]}
                    """)
                #expect(proposed.status == .created)
                h.clock.advance(by: 1)
            }
            try await Self.user(h, "officer@tl.cn", role: "compliance-officer")
            var b = ConsoleTests.Browser()
            _ = try await b.login(c, "officer@tl.cn", "a long test password")
            let first = try await b.send(c, .get, "/console/catalogue")
            #expect(first.html.contains("Showing 100 of 105 rows on this page"))
            let next = try #require(Self.link(first.html, id: "next-page"))
            let second = try await b.send(c, .get, "/console/catalogue" + next)
            let ids = Self.rowIds(first.html, attr: "data-change-id") + Self.rowIds(second.html, attr: "data-change-id")
            #expect(ids.count == 105 && Set(ids).count == 105)
            let found = try await b.send(c, .get, "/console/catalogue?cq=EU-PRO-T42")
            #expect(Self.rowIds(found.html, attr: "data-change-id").count == 1 && found.html.contains("change 42"))
        }
    }

    /// Posts a bulk form with `ids` repeated.
    static func bulk(_ c: any TestClientProtocol, _ b: inout ConsoleTests.Browser, _ uri: String, _ fields: [String: String], ids: [String])
        async throws -> (status: HTTPResponse.Status, location: String?, html: String) {
        let enc = { (s: String) in s.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
        let body = (fields.map { "\($0.key)=\(enc($0.value))" } + ids.map { "ids=\(enc($0))" }).joined(separator: "&")
        var headers: HTTPFields = [.accept: "text/html", .contentType: "application/x-www-form-urlencoded"]
        headers[.cookie] = b.header
        let (status, h, html) = try await c.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) { res in
            (res.status, res.headers, String(buffer: res.body))
        }
        b.absorb(h)
        return (status, h[.location], html)
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await f(e)) }
        return out
    }
}
