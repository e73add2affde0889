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

/// Issue 12 item 7 (CMP1): the rule catalogue editor — search and page rules, a rule's page with its hits, add / edit /
/// retire in a form as four-eyes proposals with a readable diff, Approve only for another officer, imports that keep
/// the pasted text and name the bad rows; zh and en.
@Suite struct CatalogueEditorTests {
    typealias Browser = ConsoleTests.Browser
    static let password = "officer password 1"

    /// Two compliance officers (four-eyes needs two people), a finance user, a CS agent and a merchant admin.
    static func seedPeople(_ h: WebHarness) async throws {
        let system = Principal.system("t")
        for (email, name, role, merchant) in [("one@tl.cn", "Officer One", "compliance-officer", nil as String?),
                                              ("two@tl.cn", "Officer Two", "compliance-officer", nil),
                                              ("fin@tl.cn", "Finance", "finance", nil), ("cs@tl.cn", "Agent", "cs-agent", nil),
                                              ("shop@tl.cn", "Shop Admin", "merchant-admin", h.merchantA.id.rawValue)] {
            _ = try await h.services.parties.users.create(UserInput(email: email, displayName: name, password: password, role: role,
                                                                    merchantId: merchant, language: "en"), by: system)
        }
    }

    static func signIn(_ c: any TestClientProtocol, _ email: String, lang: Language = .en) async throws -> (Browser, String) {
        var b = Browser()
        let ok = try await b.login(c, email, password)
        #expect(ok.status == .seeOther, "\(email) signs in")
        let token = try #require(ConsoleTests.csrf(try await b.send(c, .get, "/console").html))
        _ = try await b.send(c, .post, "/console/language", form: ["_csrf": token, "lang": lang.rawValue, "return": "/console"])
        return (b, token)
    }

    static func ruleIds(_ html: String) -> [String] {
        html.components(separatedBy: "<tr data-rule-id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    static func attr(_ html: String, _ name: String) -> String? {
        html.components(separatedBy: "\(name)=\"").dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
    }

    static func form(_ e: CatalogueEntry, token: String) -> [String: String] {
        ["_csrf": token, "market": e.market.rawValue, "category": e.category.rawValue, "term": e.term,
         "variants": e.variants.joined(separator: "\n"), "language": e.language, "match": e.match.rawValue,
         "requires": e.requires.joined(separator: " | "), "severity": String(e.severity), "source": e.source, "sourceUrl": e.sourceURL,
         "effectiveFrom": e.effectiveFrom, "note": e.note]
    }

    static func changeId(_ location: String?) throws -> String {
        let loc = try #require(location)
        #expect(loc.hasPrefix("/console/catalogue/changes/chg_"), "\(loc)")
        return String(loc.dropFirst("/console/catalogue/changes/".count))
    }

    @Test func rulesAreSearchedFilteredSortedAndPagedWithoutACap() async throws {
        try await WebHarness.with { h, c in
            try await Self.seedPeople(h)
            let (_, live) = try await h.services.catalogue.current()
            var (b, _) = try await Self.signIn(c, "fin@tl.cn")   // catalogue.read is enough to browse

            let search = try await b.send(c, .get, "/console/catalogue/rules?q=lawn+dart")
            #expect(search.status == .ok && Self.ruleIds(search.html).contains("US-PRO-0001"))
            #expect(Self.ruleIds(search.html).allSatisfy { id in
                live.entries.first { $0.id == id }.map { ([$0.term, $0.source, $0.note] + $0.variants).joined(separator: " ").lowercased().contains("lawn dart") } ?? false
            })
            let bySource = try await b.send(c, .get, "/console/catalogue/rules?q=16+CFR+1500.18")
            #expect(Self.ruleIds(bySource.html).contains("US-PRO-0001"))

            let filtered = try await b.send(c, .get, "/console/catalogue/rules?market=US&category=prohibited&severity=5")
            let expected = live.entries.filter { $0.market == .us && $0.category == .prohibited && $0.severity == 5 }.map(\.id).sorted()
            #expect(!expected.isEmpty && Self.ruleIds(filtered.html) == expected)
            #expect(filtered.html.contains("value=\"US\" selected") && filtered.html.contains("value=\"prohibited\" selected"))

            let sorted = try await b.send(c, .get, "/console/catalogue/rules?sort=severity&dir=desc&market=EU")
            let severities = Self.ruleIds(sorted.html).compactMap { id in live.entries.first { $0.id == id }?.severity }
            #expect(severities == severities.sorted(by: >) && severities.count == live.entries.filter { $0.market == .eu }.count)
            #expect(sorted.html.contains("aria-sort=\"descending\""))

            // Every rule is reachable by following next-page links: no silent cap.
            var seen: [String] = []
            var path: String? = "/console/catalogue/rules?sort=term"
            var pages = 0
            while let p = path, pages < 20 {
                let page = try await b.send(c, .get, p)
                #expect(page.status == .ok)
                let ids = Self.ruleIds(page.html)
                #expect(ids.count <= ConsolePaging.pageSize)
                seen += ids
                path = Self.attr(page.html, "id=\"next-page\" href").map { "/console/catalogue/rules" + $0.replacingOccurrences(of: "&amp;", with: "&") }
                pages += 1
            }
            #expect(pages > 1 && seen.count == live.entries.count && Set(seen).count == seen.count)

            // A cursor this page did not hand out is refused, not silently ignored.
            #expect(try await b.send(c, .get, "/console/catalogue/rules?after=%25%25%25").status == .unprocessableContent)
        }
    }

    @Test func addingARuleProposesAVersionWhoseDiffListsIt() async throws {
        try await WebHarness.with { h, c in
            try await Self.seedPeople(h)
            let (before, live) = try await h.services.catalogue.current()
            var (one, token) = try await Self.signIn(c, "one@tl.cn")
            let empty = try await one.send(c, .get, "/console/catalogue/rules/new")
            #expect(empty.status == .ok && empty.html.contains("id=\"rule-form\"") && empty.html.contains("<label for=\"rule-term\">"))

            let saved = try await one.send(c, .post, "/console/catalogue/rules", form: [
                "_csrf": token, "id": "", "market": "EU", "category": "prohibited", "term": "zeta test widget", "variants": "zeta widget\nzeta-widget",
                "language": "any", "match": "word", "severity": "4", "source": "Test Regulation (EU) 2099/1 Art. 3",
                "sourceUrl": "https://eur-lex.europa.eu/test", "effectiveFrom": "", "note": "", "summary": ""])
            #expect(saved.status == .seeOther)
            let id = try Self.changeId(saved.location)
            let change = try await h.services.catalogue.change(id, by: .system("t"))
            guard case .upsert(let rule) = try #require(change.ops.first) else { Issue.record("not an upsert"); return }
            #expect(rule.id.hasPrefix("EU-PRO-") && rule.variants == ["zeta widget", "zeta-widget"] && rule.severity == 4)
            #expect(!live.entries.contains { $0.id == rule.id }, "the generated id is new")
            // Nothing is live until another officer approves.
            #expect(try await h.services.catalogue.current().0 == before)

            let page = try await one.send(c, .get, "/console/catalogue/changes/\(id)")
            #expect(page.status == .ok && page.html.contains("id=\"added-h\"") && page.html.contains("data-rule-id=\"\(rule.id)\""))
            #expect(page.html.contains("zeta test widget") && page.html.contains("1 added · 0 changed · 0 retired"))
            #expect(page.html.contains("id=\"base-version\">v\(before)<"))
        }
    }

    @Test func editingOneFieldShowsThatFieldOldAndNewAndRetiringListsTheRule() async throws {
        try await WebHarness.with { h, c in
            try await Self.seedPeople(h)
            let (_, live) = try await h.services.catalogue.current()
            let rule = try #require(live.entries.first { $0.id == "US-PRO-0001" })
            var (one, token) = try await Self.signIn(c, "one@tl.cn")
            let editForm = try await one.send(c, .get, "/console/catalogue/rules/US-PRO-0001/edit")
            #expect(editForm.status == .ok && editForm.html.contains("value=\"\(rule.source)\"") && editForm.html.contains("id=\"rule-id\">US-PRO-0001<"))

            // Unchanged: nothing to propose, and the form keeps what was sent.
            let same = try await one.send(c, .post, "/console/catalogue/rules/US-PRO-0001", form: Self.form(rule, token: token))
            #expect(same.status == .conflict && same.html.contains("role=\"alert\"") && same.html.contains("value=\"\(rule.term)\""))

            var form = Self.form(rule, token: token)
            form["severity"] = "3"
            let saved = try await one.send(c, .post, "/console/catalogue/rules/US-PRO-0001", form: form)
            let id = try Self.changeId(saved.location)
            let page = try await one.send(c, .get, "/console/catalogue/changes/\(id)")
            let changed = try #require(page.html.components(separatedBy: "class=\"card diff-changed\"").dropFirst().first)
            #expect(changed.contains("data-rule-id=\"US-PRO-0001\"") || page.html.contains("diff-changed\" data-rule-id=\"US-PRO-0001\""))
            let fieldRows = changed.components(separatedBy: "<tr data-field=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(fieldRows == ["severity"])
            #expect(changed.contains("<del>5</del>") && changed.contains("<ins>3</ins>") && changed.contains(">Severity<"))

            // Retire: a reason is required; then the change lists the rule as retired.
            let noReason = try await one.send(c, .post, "/console/catalogue/rules/US-PRO-0002/retire", form: ["_csrf": token, "reason": ""])
            #expect(noReason.status == .seeOther && noReason.location == "/console/catalogue/rules/US-PRO-0002")
            #expect(try await h.services.catalogue.changes(status: .pending, by: .system("t")).count == 1)
            let rulePage = try await one.send(c, .get, "/console/catalogue/rules/US-PRO-0002")
            #expect(rulePage.html.contains("data-action=\"retire\"") && rulePage.html.contains("data-confirm=\"Propose retiring rule US-PRO-0002"))
            let retired = try await one.send(c, .post, "/console/catalogue/rules/US-PRO-0002/retire", form: ["_csrf": token, "reason": "Standard withdrawn"])
            let rid = try Self.changeId(retired.location)
            let retiredPage = try await one.send(c, .get, "/console/catalogue/changes/\(rid)")
            #expect(retiredPage.html.contains("id=\"retired-table\"") && retiredPage.html.contains("diff-retired\" data-rule-id=\"US-PRO-0002\""))
            #expect(retiredPage.html.contains("0 added · 0 changed · 1 retired"))
        }
    }

    @Test func formErrorsStandNextToTheirFieldsWithTheValuesKeptInBothLanguages() async throws {
        try await WebHarness.with { h, c in
            try await Self.seedPeople(h)
            for lang in [Language.en, .zh] {
                var (one, token) = try await Self.signIn(c, "one@tl.cn", lang: lang)
                let bad = try await one.send(c, .post, "/console/catalogue/rules", form: [
                    "_csrf": token, "market": "MARS", "category": "prohibited", "term": "kept term value", "severity": "9", "source": "",
                    "effectiveFrom": "31/12/2025"])
                #expect(bad.status == .unprocessableContent)
                for field in ["market", "severity", "source", "effectiveFrom"] {
                    #expect(bad.html.contains("<p id=\"\(field)-error\" class=\"error-text\" role=\"alert\">"), "\(lang) \(field)")
                    #expect(bad.html.contains("aria-invalid=\"true\" aria-describedby=\"\(field)-error"), "\(lang) \(field)")
                }
                #expect(!bad.html.contains("id=\"term-error\"") && bad.html.contains("value=\"kept term value\""))
                #expect(bad.html.contains("value=\"31/12/2025\"") && bad.html.contains("value=\"prohibited\" selected"))
                if lang == .zh {
                    #expect(bad.html.contains("未知市场 MARS") && bad.html.contains("每条规则都须注明依据") && bad.html.contains("部分字段有误"))
                } else {
                    #expect(bad.html.contains("unknown market MARS") && bad.html.contains("every rule must cite its source"))
                }
            }
            #expect(try await h.services.catalogue.changes(status: .pending, by: .system("t")).isEmpty)
        }
    }

    @Test func onlyAnotherOfficerSeesApproveAndApprovingMakesTheRuleLive() async throws {
        try await WebHarness.with { h, c in
            try await Self.seedPeople(h)
            let (before, _) = try await h.services.catalogue.current()
            var (one, token1) = try await Self.signIn(c, "one@tl.cn")
            let saved = try await one.send(c, .post, "/console/catalogue/rules", form: [
                "_csrf": token1, "market": "JP", "category": "restricted", "term": "omega test charger", "severity": "3",
                "requires": "PSE", "source": "Test Electrical Appliance Act Art. 9", "match": "word", "language": "any"])
            let id = try Self.changeId(saved.location)

            // The proposer: no Approve, a plain "waiting" instead — on the change page and in the catalogue's list.
            let mine = try await one.send(c, .get, "/console/catalogue/changes/\(id)")
            #expect(mine.html.contains("id=\"waiting\"") && !mine.html.contains("id=\"approve\"") && !mine.html.contains("/approve\""))
            let list = try await one.send(c, .get, "/console/catalogue")
            let row = try #require(list.html.components(separatedBy: "data-change-id=\"\(id)\"").dropFirst().first?.components(separatedBy: "</tr>").first)
            #expect(row.contains("class=\"muted waiting\"") && !row.contains("data-action=\"approve\""))
            // The service refuses the proposer anyway.
            let selfApprove = try await one.send(c, .post, "/console/catalogue/changes/\(id)/approve", form: ["_csrf": token1, "reason": "", "back": "change"])
            #expect(selfApprove.status == .seeOther)
            #expect(try await h.services.catalogue.change(id, by: .system("t")).status == .pending)

            // The second officer sees Approve, asked first naming the change and the version it becomes.
            var (two, token2) = try await Self.signIn(c, "two@tl.cn")
            let theirs = try await two.send(c, .get, "/console/catalogue/changes/\(id)")
            #expect(theirs.html.contains("id=\"approve\"") && !theirs.html.contains("id=\"waiting\""))
            #expect(theirs.html.contains("data-confirm=\"Approve “Add rule ") && theirs.html.contains("as catalogue v\(before + 1)"))
            let approved = try await two.send(c, .post, "/console/catalogue/changes/\(id)/approve", form: ["_csrf": token2, "reason": "Checked", "back": "change"])
            #expect(approved.status == .seeOther && approved.location == "/console/catalogue/changes/\(id)")
            let (after, live) = try await h.services.catalogue.current()
            #expect(after == before + 1)
            let rule = try #require(live.entries.first { $0.term == "omega test charger" })
            #expect(rule.requires == ["PSE"] && rule.market == .jp)
            // Replayed: the second approval is refused and makes no further version.
            _ = try await two.send(c, .post, "/console/catalogue/changes/\(id)/approve", form: ["_csrf": token2, "reason": "", "back": "change"])
            #expect(try await h.services.catalogue.current().0 == after)

            // The rule's page names the version that introduced it and the change behind it.
            let page = try await two.send(c, .get, "/console/catalogue/rules/\(rule.id)")
            #expect(page.status == .ok && page.html.contains("id=\"introduced-in\">v\(after)<") && page.html.contains("href=\"/console/catalogue/changes/\(id)\""))
            let done = try await two.send(c, .get, "/console/catalogue/changes/\(id)")
            #expect(done.html.contains("id=\"result-version\">v\(after)<") && done.html.contains("data-rule-id=\"\(rule.id)\""))
        }
    }

    @Test func merchantsAndWeakerRolesCanNeitherProposeNorApprove() async throws {
        try await WebHarness.with { h, c in
            try await Self.seedPeople(h)
            var (one, token1) = try await Self.signIn(c, "one@tl.cn")
            let saved = try await one.send(c, .post, "/console/catalogue/rules", form: [
                "_csrf": token1, "market": "UK", "category": "taboo", "term": "sigma test symbol", "severity": "2", "source": "Test guidance"])
            let id = try Self.changeId(saved.location)
            let (before, _) = try await h.services.catalogue.current()

            for email in ["shop@tl.cn", "fin@tl.cn", "cs@tl.cn"] {
                var (b, token) = try await Self.signIn(c, email)
                #expect(try await b.send(c, .get, "/console/catalogue/rules/new").status == .forbidden, "\(email)")
                #expect(try await b.send(c, .get, "/console/catalogue/rules/US-PRO-0001/edit").status == .forbidden, "\(email)")
                let propose = try await b.send(c, .post, "/console/catalogue/rules", form: [
                    "_csrf": token, "market": "US", "category": "prohibited", "term": "x by \(email)", "severity": "3", "source": "s"])
                #expect(propose.status == .forbidden, "\(email)")
                #expect(try await b.send(c, .post, "/console/catalogue/rules/US-PRO-0001/retire", form: ["_csrf": token, "reason": "r"]).status == .forbidden)
                let change = try await b.send(c, .get, "/console/catalogue/changes/\(id)")
                #expect(!change.html.contains("id=\"approve\""), "\(email)")
                _ = try await b.send(c, .post, "/console/catalogue/changes/\(id)/approve", form: ["_csrf": token, "reason": "", "back": "change"])
                _ = try await b.send(c, .post, "/console/catalogue/changes/\(id)/reject", form: ["_csrf": token, "reason": "no", "back": "change"])
                #expect(try await h.services.catalogue.change(id, by: .system("t")).status == .pending, "\(email)")
            }
            // A merchant cannot even browse the rules or see a change; finance may read them.
            var (shop, _) = try await Self.signIn(c, "shop@tl.cn")
            #expect(try await shop.send(c, .get, "/console/catalogue/rules").status == .forbidden)
            #expect(try await shop.send(c, .get, "/console/catalogue/changes/\(id)").status == .forbidden)
            #expect(try await shop.send(c, .get, "/console/catalogue/rules/US-PRO-0001").status == .forbidden)
            var (fin, _) = try await Self.signIn(c, "fin@tl.cn")
            let read = try await fin.send(c, .get, "/console/catalogue/rules/US-PRO-0001")
            #expect(read.status == .ok && !read.html.contains("id=\"edit-rule\"") && !read.html.contains("retire-form"))
            // A forged form without the session's CSRF token is refused before anything is proposed.
            let forged = try await one.send(c, .post, "/console/catalogue/rules", form: [
                "_csrf": "forged", "market": "US", "category": "prohibited", "term": "forged", "severity": "3", "source": "s"])
            #expect(forged.status == .forbidden)
            #expect(try await h.services.catalogue.changes(status: .pending, by: .system("t")).count == 1)
            #expect(try await h.services.catalogue.current().0 == before)
        }
    }

    @Test func aBadImportKeepsThePastedTextAndNamesTheRowInTheReadersLanguage() async throws {
        try await WebHarness.with { h, c in
            try await Self.seedPeople(h)
            let header = CatalogueCSV.header.joined(separator: ",")
            let csv = header + "\nOK-1,US,prohibited,fine term,,any,word,,3,src,,,\nBAD-2,MARS,prohibited,bad term,,any,word,,3,src,,,\nBAD-3,JP,prohibited,z,,any,word,,7,,,,"
            for lang in [Language.en, .zh] {
                var (one, token) = try await Self.signIn(c, "one@tl.cn", lang: lang)
                let page = try await one.send(c, .post, "/console/catalogue/import", form: [
                    "_csrf": token, "format": "csv", "mode": "merge", "summary": "kept summary", "content": csv])
                #expect(page.status == .unprocessableContent)
                // The textarea still holds the file (escaped as HTML text), and the summary is kept.
                #expect(page.html.contains("BAD-2,MARS,prohibited,bad term") && page.html.contains("value=\"kept summary\""))
                #expect(page.html.contains("id=\"import-errors\" class=\"flash error\" role=\"alert\""))
                let lines = page.html.components(separatedBy: "<tr data-line=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
                #expect(lines == ["3", "4", "4"], "\(lines)")
                if lang == .zh {
                    #expect(page.html.contains("市场（market）") && page.html.contains("未知市场 MARS") && page.html.contains("须为 1–5"))
                    #expect(page.html.contains("每条规则都须注明依据") && page.html.contains("已保留您粘贴的内容"))
                } else {
                    #expect(page.html.contains("unknown market MARS") && page.html.contains("must be 1–5") && page.html.contains("your text is kept"))
                }
            }
            #expect(try await h.services.catalogue.changes(status: .pending, by: .system("t")).isEmpty)
        }
    }

    @Test func aRulePageListsItsRecentHitsWithListingAndMerchant() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            try await Self.seedPeople(h)
            let body = #"{"title":"Vintage lawn darts set","description":"Garden game","price":{"amount":"20.00","currency":"USD"},"originCountry":"CN","markets":["US"]}"#
            let created = try await c.call(.post, "/api/v1/listings", key: h.keyA, json: body)
            #expect(created.status == .created)
            let listingId = try #require(created.json.str("id"))
            var (one, _) = try await Self.signIn(c, "one@tl.cn")
            let page = try await one.send(c, .get, "/console/catalogue/rules/US-PRO-0001")
            #expect(page.status == .ok)
            let hit = try #require(page.html.components(separatedBy: "<tr data-listing-id=\"\(listingId)\"").dropFirst().first?.components(separatedBy: "</tr>").first)
            #expect(hit.contains("Vintage lawn darts set") && hit.contains("Alpha Export Co.") && hit.contains("<mark>lawn darts</mark>"))
            #expect(hit.contains("href=\"/console/listings?q=Vintage"))
            #expect(page.html.contains("id=\"introduced-in\">v1<") && page.html.contains("href=\"https://www.ecfr.gov/"))
            // A rule no listing hit says so.
            let quiet = try await one.send(c, .get, "/console/catalogue/rules/US-PRO-0003")
            #expect(quiet.html.contains("id=\"no-hits\""))
            #expect(try await one.send(c, .get, "/console/catalogue/rules/NO-SUCH-RULE").status == .notFound)
            // Changing the listing so it no longer cites the rule removes the hit.
            _ = try await c.call(.patch, "/api/v1/listings/\(listingId)", key: h.keyA, json: #"{"title":"Garden ring toss set"}"#)
            let after = try await one.send(c, .get, "/console/catalogue/rules/US-PRO-0001")
            #expect(!after.html.contains("data-listing-id=\"\(listingId)\""))
        }
    }

    @Test func pagesAreInChineseAndEnglish() async throws {
        try await WebHarness.with { h, c in
            try await Self.seedPeople(h)
            for lang in [Language.en, .zh] {
                var (b, _) = try await Self.signIn(c, "one@tl.cn", lang: lang)
                let list = try await b.send(c, .get, "/console/catalogue/rules")
                let rule = try await b.send(c, .get, "/console/catalogue/rules/US-PRO-0001")
                let form = try await b.send(c, .get, "/console/catalogue/rules/new")
                if lang == .zh {
                    #expect(list.html.contains("搜索词条、编号或依据") && list.html.contains("已生效") && list.html.contains("下一页"))
                    #expect(rule.html.contains("近期命中") && rule.html.contains("本规则的版本记录") && rule.html.contains("美国"))
                    #expect(form.html.contains("双人复核") && form.html.contains("留空将自动编号"))
                } else {
                    #expect(list.html.contains("Search term, ID or source") && list.html.contains("In force") && list.html.contains("Next page"))
                    #expect(rule.html.contains("Recent hits") && rule.html.contains("Versions of this rule") && rule.html.contains("United States"))
                    #expect(form.html.contains("another officer approves it") && form.html.contains("number it automatically"))
                }
            }
        }
    }
}
