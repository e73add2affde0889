import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 12 item 8: roles without dead ends. Every role signs in and follows every link the console shows it
/// (nav, dashboard, tables, record pages, next-page links), none answers 403 or fails, and an error
/// page keeps the header so the person can go on from it.
@Suite struct RoleCrawlTests {
    /// Same-site links of a page (`href="/…"`), without fragments; downloads and the API are not pages.
    static func links(_ html: String) -> [String] {
        html.components(separatedBy: "href=\"").dropFirst().compactMap { chunk -> String? in
            var link = String(chunk.prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
            if let hash = link.firstIndex(of: "#") { link = String(link[..<hash]) }
            guard link.hasPrefix("/console") || link.hasPrefix("/notices") || link.hasPrefix("/p/") else { return nil }
            if link.hasPrefix("/console/kyc-documents/") || link.contains("/export") { return nil }
            return link
        }
    }

    static let roles: [(role: String, merchant: Bool)] = [
        ("operator-admin", false), ("compliance-officer", false), ("cs-agent", false), ("finance", false),
        ("merchant-admin", true), ("merchant-staff", true),
    ]

    @Test func noRoleIsShownALinkItMayNotOpen() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await WebHarness.with(configure: { $0.webhooksAllowPrivateNetworks = true }) { h, c in
            let f = try await ConsolePageModelTests.seed(h, receiver: receiver)
            for (role, scoped) in Self.roles {
                let email = "crawl-\(role)@tl.cn"
                _ = try await h.services.parties.users.create(UserInput(email: email, displayName: "Crawler \(role)", password: "crawler password",
                                                                        role: role, merchantId: scoped ? f.lamp.id.rawValue : nil, language: "en"),
                                                              by: .system("t"))
                var b = ConsoleTests.Browser()
                let login = try await b.login(c, email, "crawler password")
                #expect(login.status == .seeOther, "\(role) cannot sign in")
                var queue = ["/console"], seen = Set(queue), dead: [String] = []
                var opened = 0
                while !queue.isEmpty, opened < 160 {
                    let path = queue.removeFirst()
                    let page = try await b.send(c, .get, path)
                    opened += 1
                    if page.status == .forbidden || page.status.code >= 500 || page.status == .notFound {
                        dead.append("\(page.status.code) \(path)")
                        continue
                    }
                    guard page.status == .ok else { continue }
                    for link in Self.links(page.html) where !seen.contains(link) && seen.count < 400 {
                        seen.insert(link)
                        queue.append(link)
                    }
                }
                #expect(dead.isEmpty, "\(role) is shown links it may not open: \(dead)")
                #expect(opened > 5, "\(role) opened only \(opened) pages")
            }
        }
    }

    @Test func errorPagesKeepTheLayout() async throws {
        try await WebHarness.with { h, c in
            #expect(try await DemoData.seed(h.services))
            var b = ConsoleTests.Browser()
            _ = try await b.login(c, "finance@tradelane.local", DemoData.password)
            for path in ["/console/jobs", "/console/merchants/mer_nobody", "/console/no-such-page"] {
                let page = try await b.send(c, .get, path)
                #expect(page.status.code >= 400, "\(path)")
                #expect(page.html.contains("id=\"nav-dashboard\"") && page.html.contains("id=\"logout\""), "\(path): the error page lost the layout")
            }
        }
    }
}
