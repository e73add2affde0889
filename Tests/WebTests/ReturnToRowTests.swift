import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 12 item 1: after a decision on a list row the person is back on the same filtered page, at that row (its
/// `id` is the URL fragment, and the stylesheet marks `tr:target`), with a flash naming the record.
@Suite struct ReturnToRowTests {
    static func rowForm(_ html: String, action: String) -> (path: String, returnQuery: String)? {
        for form in SafeDecisionTests.forms(html) where form.contains(action) {
            guard let path = form.components(separatedBy: "action=\"").dropFirst().first?.components(separatedBy: "\"").first,
                  let ret = form.components(separatedBy: "name=\"return\" value=\"").dropFirst().first?.components(separatedBy: "\"").first
            else { continue }
            return (path, ret.replacingOccurrences(of: "&amp;", with: "&"))
        }
        return nil
    }

    @Test func aDecisionReturnsToTheSameFilteredListAtTheRow() async throws {
        try await WebHarness.with { h, c in
            #expect(try await DemoData.seed(h.services))
            var b = ConsoleTests.Browser()
            _ = try await b.login(c, "admin@tradelane.local", DemoData.password)
            let css = String(buffer: ConsoleAssets.css)
            #expect(css.contains("tr:target"))
            // (list page, the form's action suffix, the row id prefix)
            for (list, action, prefix) in [("/console/listings?status=needs-review&sort=title", "/clear", "listing-"),
                                           ("/console/kyc?status=submitted", "/start-review", "kyc-"),
                                           ("/console/takedowns?status=open", "/take-down", "case-")] {
                let page = try await b.send(c, .get, list)
                #expect(page.status == .ok, "\(list)")
                let form = try #require(Self.rowForm(page.html, action: action), "\(list): no row form with \(action)")
                let id = form.path.components(separatedBy: "/")[3]
                #expect(page.html.contains("id=\"\(prefix)\(id)\""), "\(list): row \(id) has no anchor")
                #expect(list.hasSuffix(form.returnQuery), "\(list): the form returns to \(form.returnQuery)")
                let token = try #require(ConsoleTests.csrf(page.html))
                let done = try await b.send(c, .post, form.path, form: ["_csrf": token, "return": form.returnQuery, "reason": "Checked against the rule text"])
                #expect(done.status == .seeOther)
                #expect(done.location == list.components(separatedBy: "?")[0] + form.returnQuery + "#\(prefix)\(id)", "\(done.location ?? "")")
                // A return that is not a query of this list is ignored (no open redirect through the fragment either).
                let forged = try await b.send(c, .post, form.path, form: ["_csrf": token, "return": "//evil.example/x", "reason": "again"])
                #expect(forged.location?.hasPrefix(list.components(separatedBy: "?")[0] + "#") == true, "\(forged.location ?? "")")
            }
        }
    }
}
