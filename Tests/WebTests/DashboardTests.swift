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

/// Issue 12 item 10: the dashboard's numbers are queue sizes with the age of the oldest item, deadlines due soon and
/// breached, and screening outcomes per day; each is a link to the list filtered to exactly those records, and a role
/// sees only tiles it may act on (no link that answers 403).
@Suite struct DashboardTests {
    /// How each list marks one record's row.
    static func rowMarker(_ path: String) -> String? {
        let p = path.components(separatedBy: "?")[0]
        return ["/console/kyc": "<tr id=\"kyc-", "/console/listings": "<tr id=\"listing-", "/console/takedowns": "<tr id=\"case-",
                "/console/deadlines": "<tr data-clock=", "/console/penalties": "<tr data-penalty-id=", "/console/merchants": "<tr data-merchant-id="][p]
    }

    /// (href, count) of every number on the page that says what it counts (`data-count`).
    static func counted(_ html: String) -> [(href: String, count: Int)] {
        let regex = try! Regex(#"href="([^"]+)"[^>]*data-count="(\d+)""#)
        return html.matches(of: regex).map { m in
            (String(html[m.output[1].range!]).replacingOccurrences(of: "&amp;", with: "&"), Int(String(html[m.output[2].range!]))!)
        }
    }

    /// The console links in the page's own content (after the header's navigation).
    static func contentLinks(_ html: String) -> [String] {
        guard let start = html.range(of: "id=\"page-title\"") else { return [] }
        let body = String(html[start.upperBound...])
        return body.matches(of: try! Regex(##"href="(/console[^"#]*)"##)).map { String(body[$0.output[1].range!]).replacingOccurrences(of: "&amp;", with: "&") }
    }

    @Test func everyNumberOpensAListOfExactlyThatManyRecords() async throws {
        try await WebHarness.with { h, c in
            #expect(try await DemoData.seed(h.services))
            // A day later the open takedown cases are past their 24 h: the breached tile has something to count.
            h.clock.advance(by: 25 * 3600)
            var seen: Set<String> = []
            for email in ["admin@tradelane.local", "compliance@tradelane.local", "lamp@tradelane.local", "silk@tradelane.local"] {
                for lang in [Language.en, .zh] {
                    var b = try await RecordPagesTests.signIn(c, email, lang)
                    let dash = try await b.send(c, .get, "/console")
                    #expect(dash.status == .ok && !dash.html.contains("{{"))
                    let numbers = Self.counted(dash.html)
                    #expect(numbers.count >= 4, "\(email): \(numbers.count) numbers")
                    for (href, count) in numbers {
                        let list = try await b.send(c, .get, href)
                        #expect(list.status == .ok, "\(email) \(href)")
                        let marker = try #require(Self.rowMarker(href), "\(href) is not a known list")
                        let rows = list.html.components(separatedBy: marker).count - 1
                        #expect(rows == count, "\(email) \(lang): \(href) says \(count), the list shows \(rows)")
                        if count > 0 { seen.insert("\(email)|" + href.components(separatedBy: "?")[0]) }
                    }
                }
            }
            // The numbers were not all zero: each kind of list was opened with records in it.
            #expect(seen.contains("admin@tradelane.local|/console/kyc"))
            #expect(seen.contains("admin@tradelane.local|/console/takedowns"))
            #expect(seen.contains("admin@tradelane.local|/console/deadlines"))
            #expect(seen.contains("admin@tradelane.local|/console/listings"), "no screening number links to listings: \(seen)")
            #expect(seen.contains("lamp@tradelane.local|/console/penalties"))
        }
    }

    @Test func queueTilesShowTheOldestItemsAgeAndTheScreeningChartIsAccessible() async throws {
        try await WebHarness.with { h, c in
            #expect(try await DemoData.seed(h.services))
            h.clock.advance(by: 2 * 86_400 + 3 * 3600)
            for lang in [Language.en, .zh] {
                var b = try await RecordPagesTests.signIn(c, "compliance@tradelane.local", lang)
                let dash = try await b.send(c, .get, "/console").html
                let tile = try #require(dash.components(separatedBy: "id=\"tile-kyc-submitted\"").dropFirst().first?.components(separatedBy: "</a>").first)
                #expect(tile.contains(lang == .zh ? "2 天 3 小时" : "2 d 3 h"), "\(tile)")
                #expect(dash.contains("<svg class=\"chart chart-stacked\" role=\"img\" aria-label=\""))
                #expect(dash.contains(lang == .zh ? "<title>近 30 天每日筛查结果</title>" : "<title>Screening outcomes per day, last 30 days</title>"))
                #expect(dash.contains("id=\"screening-table\"") && dash.components(separatedBy: "<tr data-day=").count - 1 == DashboardBuilder.chartDays)
            }
        }
    }

    @Test func aRoleGetsNoTileItMayNotActOnAndNoLinkThatAnswers403() async throws {
        try await WebHarness.with { h, c in
            #expect(try await DemoData.seed(h.services))
            _ = try await h.services.parties.users.create(UserInput(email: "staff@lamp.example", displayName: "Lamp Staff", password: DemoData.password,
                                                                    role: "merchant-staff", merchantId: try await lampId(h).rawValue, language: "en"),
                                                          by: .system("t"))
            let expected: [String: (shown: [String], hidden: [String])] = [
                "admin@tradelane.local": (["tile-kyc-submitted", "tile-listings-review", "tile-takedowns-open", "screening-chart"], ["tile-penalties-active"]),
                "compliance@tradelane.local": (["tile-kyc-submitted", "tile-listings-review", "tile-takedowns-open", "screening-chart"], []),
                "finance@tradelane.local": (["tile-deadlines-breached"], ["tile-kyc-submitted", "tile-kyc-under-review", "tile-listings-review",
                                                                          "tile-takedowns-open", "screening-chart", "audit-table"]),
                "cs@tradelane.local": (["tile-deadlines-due-soon"], ["tile-kyc-submitted", "tile-takedowns-open", "screening-chart"]),
                "lamp@tradelane.local": (["tile-listings-review", "tile-takedowns-open", "tile-penalties-active", "own-kyc"], ["tile-kyc-submitted", "screening-chart"]),
                "staff@lamp.example": (["tile-listings-review"], ["own-kyc", "tile-kyc-submitted", "audit-table"]),
            ]
            for (email, tiles) in expected {
                for lang in [Language.en, .zh] {
                    var b = try await RecordPagesTests.signIn(c, email, lang)
                    let dash = try await b.send(c, .get, "/console")
                    #expect(dash.status == .ok, "\(email)")
                    for id in tiles.shown { #expect(dash.html.contains("id=\"\(id)\""), "\(email) \(lang): no \(id)") }
                    for id in tiles.hidden { #expect(!dash.html.contains("id=\"\(id)\""), "\(email) \(lang): \(id) shown") }
                    for link in Set(Self.contentLinks(dash.html)) {
                        let page = try await b.send(c, .get, link)
                        #expect(page.status != .forbidden && page.status.code < 500, "\(email) \(lang): dashboard link \(link) answers \(page.status)")
                    }
                }
            }
        }
    }

    func lampId(_ h: WebHarness) async throws -> MerchantID {
        let all = try await h.services.parties.merchants.list(MerchantListQuery(sort: "name", limit: 50), by: .system("t")).items
        return try #require(all.first { $0.name.hasPrefix("Shenzhen Bright Lamp") }).id
    }
}
