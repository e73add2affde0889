import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 12 item 1: every irreversible console action asks first, in the reader's language, naming the record; a form
/// with a text box and such an action has a disabled default button, so Enter sends nothing.
@Suite struct SafeDecisionTests {
    /// The `<form>…</form>` pieces of a page.
    static func forms(_ html: String) -> [String] {
        html.components(separatedBy: "<form").dropFirst().map { $0.components(separatedBy: "</form>")[0] }
    }

    @Test func irreversibleActionsAskFirstAndEnterNeverSendsThem() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await WebHarness.with(configure: { $0.webhooksAllowPrivateNetworks = true }) { h, c in
            let f = try await ConsolePageModelTests.seed(h, receiver: receiver)
            _ = try await h.services.parties.merchants.requestExit(f.lamp.id, reason: "Winding down", by: .system("t"))
            // A change proposed by someone else, so the operator admin may decide it.
            let proposed = try await c.call(.post, "/api/v1/catalogue/changes", key: h.operatorKey, json: #"{"summary":"Retire an obsolete ad-word rule","ops":[{"op":"upsert","rule":{"id":"EU-PRO-SAFE1","market":"EU","category":"prohibited","term":"safedecisium","match":"word","severity":4,"source":"Test Regulation Art. 1"}}]}"#)
            #expect(proposed.status == .created)
            _ = try await h.services.parties.access.createKey(name: "ERP sync", role: "finance", merchantId: nil, by: .system("t"))
            for lang in [Language.en, .zh] {
                var b = ConsoleTests.Browser()
                _ = try await b.login(c, "admin@tradelane.local", DemoData.password)
                let token = try #require(ConsoleTests.csrf(try await b.send(c, .get, "/console").html))
                _ = try await b.send(c, .post, "/console/language", form: ["_csrf": token, "lang": lang.rawValue, "return": "/console"])
                var asked: [String] = []
                for path in ["/console/takedowns", "/console/certifications", "/console/listings", "/console/listings?status=active",
                             "/console/kyc", "/console/merchants/\(f.lamp.id.rawValue)", "/console/catalogue", "/console/webhooks",
                             "/console/api-keys", "/console/users"] {
                    let page = try await b.send(c, .get, path)
                    #expect(page.status == .ok, "\(path)")
                    for form in Self.forms(page.html) where form.contains("class=\"danger\"") {
                        // Every destructive button in the form asks, with a question naming something specific.
                        let dangers = form.components(separatedBy: "<button").dropFirst().filter { $0.contains("class=\"danger\"") }
                        for d in dangers {
                            let question = d.components(separatedBy: "data-confirm=\"").dropFirst().first?.components(separatedBy: "\"").first ?? ""
                            #expect(question.count > 20, "\(path): a destructive button without a question")
                            asked.append(question)
                        }
                        if form.contains("<input id=") || form.contains("name=\"reason\"") {
                            let first = form.components(separatedBy: "<button").dropFirst().first ?? ""
                            #expect(first.contains("disabled") && first.contains("no-enter"), "\(path): Enter would send \(first.prefix(80))")
                        }
                    }
                }
                #expect(asked.count >= 6, "\(lang): \(asked.count) questions")
                if lang == .zh {
                    #expect(asked.contains { $0.contains("关闭 Shenzhen Bright Lamp") && $0.contains("不可撤销") })
                    #expect(asked.allSatisfy { $0.unicodeScalars.contains { $0.value > 0x2E80 } }, "a question left in English")
                } else {
                    #expect(asked.contains { $0.hasPrefix("Close the store of Shenzhen Bright Lamp") })
                    #expect(asked.contains { $0.hasPrefix("Take down “") })
                    #expect(asked.contains { $0.hasPrefix("Approve the change “Retire an obsolete ad-word rule”") })
                    #expect(asked.contains { $0.hasPrefix("Delete the webhook endpoint http") })
                    #expect(asked.contains { $0.hasPrefix("Revoke the key “ERP sync”") })
                }
            }
        }
    }
}
