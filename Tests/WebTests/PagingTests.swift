import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 11 item 5: list endpoints page with `?limit=&after=` and fill `next`; paging through gives every row once,
/// in the same order as one large page, on both engines.
@Suite struct PagingTests {
    /// Follows `next` with pages of `size` and returns the ids in order.
    static func walk(_ c: any TestClientProtocol, _ path: String, key: String, size: Int) async throws -> [String] {
        var ids: [String] = []
        var after: String?
        var pages = 0
        repeat {
            let sep = path.contains("?") ? "&" : "?"
            let uri = path + sep + "limit=\(size)" + (after.map { "&after=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? "")
            let page = try await c.call(.get, uri, key: key)
            #expect(page.status == .ok, "\(uri)")
            let items = page.json.list
            #expect(items.count <= size)
            ids += items.compactMap {
                ($0["id"] as? String) ?? ($0["seq"] as? Int).map(String.init) ?? ($0["version"] as? Int).map(String.init)
                    ?? ($0["merchantId"] as? String) ?? ($0["country"] as? String)
            }
            after = page.json.str("next")
            pages += 1
        } while after != nil && pages < 100
        return ids
    }

    @Test func everyPagedListGivesEachRowOnceInOrder() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            var listings: [String] = []
            for i in 0..<5 {
                let l = try await c.call(.post, "/api/v1/listings", key: i < 4 ? h.keyA : h.keyB, json: ListingAPITests.body)
                listings.append(try #require(l.json.str("id")))
                h.clock.advance(by: 60)
            }
            for (i, id) in listings.enumerated() {
                _ = try await c.call(.post, "/api/v1/takedowns", key: h.operatorKey, json: #"{"listingId":"\#(id)","category":"brand","reason":"Notice \#(i)"}"#)
                let merchant = i < 4 ? h.merchantA.id.rawValue : h.merchantB.id.rawValue
                _ = try await c.call(.post, "/api/v1/penalties", key: h.operatorKey,
                                     json: #"{"merchantId":"\#(merchant)","violation":"ad-word","listingId":"\#(id)","reason":"Absolute claim \#(i)"}"#)
                _ = try await c.call(.post, "/api/v1/certifications", key: i < 4 ? h.keyA : h.keyB,
                                     json: #"{"type":"CE","number":"DoC-\#(i)","issuer":"QA"}"#)
                h.clock.advance(by: 60)
            }
            for path in ["/api/v1/takedowns", "/api/v1/takedowns?status=open", "/api/v1/penalties", "/api/v1/certifications", "/api/v1/audit-log"] {
                let whole = try await c.call(.get, path + (path.contains("?") ? "&" : "?") + "limit=500", key: h.operatorKey)
                let expected = whole.json.list.compactMap { ($0["id"] as? String) ?? ($0["seq"] as? Int).map(String.init) }
                #expect(whole.json["next"] is NSNull, "\(path)")
                #expect(expected.count >= 5, "\(path)")
                for size in [1, 2, 3] {
                    let paged = try await Self.walk(c, path, key: h.operatorKey, size: size)
                    #expect(paged == expected, "\(path) in pages of \(size)")
                }
                // A merchant pages through its own rows only.
                let mine = try await Self.walk(c, path, key: h.keyB, size: 1)
                #expect(!mine.isEmpty && mine.count < expected.count, "\(path) for merchant B")
            }
            // Operator-only and reference lists page the same way.
            _ = try await c.call(.post, "/api/v1/rescreen-jobs", key: h.operatorKey, json: #"{"markets":["US","EU","UK"],"reason":"paging"}"#)
            for i in 0..<3 {
                let proposed = try await c.call(.post, "/api/v1/catalogue/changes", key: h.operatorKey, json: """
                    {"summary":"change \(i)","ops":[{"op":"upsert","rule":{"id":"EU-PRO-P\(i)","market":"EU","category":"prohibited",
                     "term":"pagingium \(i)","match":"word","severity":4,"source":"Test Regulation Art. \(i)"}}]}
                    """)
                #expect(proposed.status == .created)
                h.clock.advance(by: 1)
            }
            for path in ["/api/v1/rescreen-jobs", "/api/v1/catalogue/changes", "/api/v1/catalogue/versions", "/api/v1/regulations", "/api/v1/catalogue/rules?market=US", "/api/v1/listings/\(listings[0])/versions"] {
                let whole = try await c.call(.get, path + (path.contains("?") ? "&" : "?") + "limit=200", key: h.operatorKey)
                let expected = whole.json.list.compactMap { ($0["id"] as? String) ?? ($0["version"] as? Int).map(String.init) }
                #expect(whole.json["next"] is NSNull && !expected.isEmpty, "\(path)")
                if path.contains("rescreen") || path.contains("changes") { #expect(expected.count == 3, "\(path)") }
                #expect(try await Self.walk(c, path, key: h.operatorKey, size: 2) == expected, "\(path)")
            }
            let open = try await Self.walk(c, "/api/v1/takedowns?status=open", key: h.operatorKey, size: 2)
            #expect(open.count == 5)
            // Nonsense cursors are named, not ignored.
            for path in ["/api/v1/takedowns", "/api/v1/penalties", "/api/v1/audit-log"] {
                let bad = try await c.call(.get, path + "?after=not-a-cursor", key: h.operatorKey)
                #expect(bad.status == .unprocessableContent && bad.json.fieldNames == ["after"], "\(path)")
            }
        }
    }

    /// The reference list of country risks and the public exit notices page too (issue 11 item 5).
    @Test func countryRisksAndExitNoticesPage() async throws {
        try await WebHarness.with { h, c in
            let whole = try await c.call(.get, "/api/v1/country-risks?limit=500", key: h.keyA)
            let countries = whole.json.list.compactMap { $0["country"] as? String }
            #expect(countries.count > 3 && countries == countries.sorted() && whole.json["next"] is NSNull)
            #expect(try await Self.walk(c, "/api/v1/country-risks", key: h.keyA, size: 3) == countries)

            for m in [h.merchantA, h.merchantB] {
                _ = try await h.services.parties.merchants.requestExit(m.id, reason: "Winding down", by: .system("test"))
            }
            let notices = try await Self.walk(c, "/api/v1/exit-notices", key: h.keyA, size: 1)
            #expect(notices == [h.merchantA.id.rawValue, h.merchantB.id.rawValue].sorted())
            let bad = try await c.call(.get, "/api/v1/exit-notices?limit=0", key: h.keyA)
            #expect(bad.status == .unprocessableContent && bad.json.fieldNames == ["limit"])
        }
    }
}

/// Console tables that list straight from a paged service follow its cursor (issue 11 item 5): every API key once,
/// across pages, with the filter kept in the link.
@Suite struct ConsolePagingTests {
    @Test func apiKeysTablePagesThroughEveryKey() async throws {
        try await WebHarness.with { h, c in
            let system = Principal.system("t")
            _ = try await h.services.parties.users.create(UserInput(email: "admin@tl.cn", displayName: "Admin", password: "admin password long",
                                                                    role: "operator-admin", language: "en"), by: system)
            var expected: Set<String> = []
            for i in 0..<(ConsolePaging.pageSize + 7) {
                let (k, _) = try await h.services.parties.access.createKey(name: "svc \(i)", role: "finance", merchantId: nil, by: system)
                expected.insert(k.id.rawValue)
            }
            var b = ConsoleTests.Browser()
            _ = try await b.login(c, "admin@tl.cn", "admin password long")
            var seen: [String] = []
            var uri: String? = "/console/api-keys"
            var pages = 0
            while let next = uri, pages < 10 {
                let page = try await b.send(c, .get, next)
                #expect(page.status == .ok)
                seen += Self.keyIds(page.html)
                uri = Self.nextLink(page.html).map { "/console/api-keys" + $0 }
                pages += 1
            }
            #expect(pages == 2)
            // The operator's own keys (harness) are listed too; every created key appears exactly once.
            #expect(Set(seen).isSuperset(of: expected) && seen.count == Set(seen).count)
        }
    }

    static func keyIds(_ html: String) -> [String] {
        let pattern = try! Regex(#"key_[0-9a-z]{26}"#)
        var ids: [String] = []
        for m in html.matches(of: pattern) where !ids.contains(String(html[m.range])) { ids.append(String(html[m.range])) }
        return ids
    }

    static func nextLink(_ html: String) -> String? {
        guard let r = html.range(of: #"id="next-page" href=""#) else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }
}
