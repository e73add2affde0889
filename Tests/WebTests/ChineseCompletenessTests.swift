import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import SQLKit
import Testing
import TestSupport
@testable import Web

/// Issue 12 item 4: complete Chinese. Every console page, empty state, validation and permission error rendered in zh
/// shows no English the product wrote: a Latin word is allowed only when it comes from the records themselves (a
/// merchant called "Shenzhen Bright Lamp", a listing title), is a code (HS, CE, CNY, EU, all capitals), or is on the
/// small allow-list of names. Chinese text uses full-width punctuation.
@Suite struct ChineseCompletenessTests {
    /// Product and standard names that stay in Latin script in a Chinese UI.
    static let allowed: Set<String> = ["Tradelane", "Webhook", "webhook", "English", "API", "ID", "IP", "ZIP", "SHA", "HMAC",
                                       "Google", "Microsoft", "Authenticator", "FreeOTP", "1Password", "Password", "Excel", "YAML", "JSON", "CSV", "XLSX", "PDF", "PNG", "JPEG", "URL", "HTTP", "HTTPS", "SMTP"]

    /// What a person reads on the page: text between tags and the attributes read aloud or shown on hover/confirm;
    /// nothing inside `lang="en"` elements (the language switch), scripts or styles.
    static func readableText(_ html: String) -> [String] {
        var s = html
        for (open, close) in [("<script", "</script>"), ("<style", "</style>"), ("<code", "</code>"), ("<svg", "</svg>")] {
            while let a = s.range(of: open), let b = s.range(of: close, range: a.upperBound..<s.endIndex) { s.removeSubrange(a.lowerBound..<b.upperBound) }
        }
        s = s.replacingOccurrences(of: #"<[^>]*lang="en"[^>]*>[^<]*<"#, with: "<", options: .regularExpression)
        var out: [String] = []
        let attrs = try! NSRegularExpression(pattern: #"(?:title|aria-label|placeholder|data-confirm|alt)="([^"]*)""#)
        for m in attrs.matches(in: s, range: NSRange(s.startIndex..., in: s)) { out.append(String(s[Range(m.range(at: 1), in: s)!])) }
        let text = s.replacingOccurrences(of: #"<[^>]*>"#, with: "\n", options: .regularExpression)
        out += text.components(separatedBy: "\n")
        return out.map { decode($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func decode(_ s: String) -> String {
        s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&#x2F;", with: "/").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// What the records themselves hold (names, titles, reasons, terms, file names, regulation codes): data may be in
    /// any language and is taken out of a text before it is judged. The audit log is left out: its action codes are
    /// the product's own words and must be translated where a page shows them.
    struct RecordText {
        var values: [String] = []
        var words = Set<String>()
    }

    static func recordText(_ db: Database) async throws -> RecordText {
        try await db.read { sql in
            var found = Set<String>()
            let tables = try await sql.raw(db.engine == .postgres
                ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()"
                : "SELECT name FROM sqlite_master WHERE type = 'table'").all().map { try $0.decode(column: "name", as: String.self) }
            for table in tables where !["audit_log", "schema_migrations", "jobs", "idempotency_keys", "notifications"].contains(table) {
                for row in try await sql.raw("SELECT * FROM \(unsafeRaw: table)").all() {
                    for column in row.allColumns {
                        guard let value = (try? row.decode(column: column, as: String?.self)) ?? nil, value.count >= 2, value.count < 2000 else { continue }
                        found.insert(value)
                    }
                }
            }
            var text = RecordText()
            // Long values are taken out of a text whole; short ones ("op", a key's name) count as words, so that they
            // are not cut out of the middle of a longer word.
            text.values = found.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
            text.words = Set(found.filter { $0.count < 4 })
            for v in found where v.contains(" ") || v.contains(where: \.isUppercase) { text.words.formUnion(latinWords(v)) }
            return text
        }
    }

    static func latinWords(_ s: String) -> [String] {
        s.components(separatedBy: CharacterSet.letters.inverted.union(CharacterSet(charactersIn: "0123456789")))
            .filter { $0.count >= 2 && $0.unicodeScalars.allSatisfy { $0.isASCII } }
    }

    static func english(_ s: String, _ data: RecordText) -> [String] {
        latinWords(s).filter { w in !allowed.contains(w) && !data.words.contains(w) && !(w == w.uppercased() && w.count <= 6) }
    }

    static func halfWidth(_ s: String) -> Bool {
        s.range(of: #"\p{Han}[:;,?!]|[:;,?!]\s?\p{Han}|\p{Han}\(|\)\p{Han}"#, options: .regularExpression) != nil
    }

    /// Findings on one zh page: English words the product wrote, and half-width punctuation next to Chinese characters.
    static func problems(_ html: String, data: RecordText) -> [String] {
        var found: [String] = []
        for chunk in readableText(html) where !english(chunk, data).isEmpty || halfWidth(chunk) {
            // Record ids (`mer_…`) and the records' own text are not the product's words.
            // Codes a message offers as codes ("可选值：running、due-soon") are what a program sends, not words.
            var own = chunk
            for v in data.values where own.contains(v) { own = own.replacingOccurrences(of: v, with: " ") }
            own = own.replacingOccurrences(of: #"\b[a-z]{2,4}_[0-9a-z]{20,}\b"#, with: " ", options: .regularExpression)
                .replacingOccurrences(of: #"可选值：[a-z0-9、._-]+"#, with: "可选值：", options: .regularExpression)
                // Digests, addresses, file extensions and HTTP header names are codes too.
                .replacingOccurrences(of: #"\b[0-9a-f]{8,}\b|https?://\S+|\.(?:csv|xlsx|pdf|png|jpe?g)\b|\b[A-Z][a-z]+(?:-[A-Z][a-z]+)+\b"#, with: " ", options: .regularExpression)
            let words = english(own, data)
            if !words.isEmpty { found.append("English \(words.joined(separator: ",")) in “\(chunk.prefix(80))”") }
            if halfWidth(own) { found.append("half-width punctuation in “\(chunk.prefix(80))”") }
        }
        return found
    }

    @Test func everyPageReadsInChineseForOperatorAndMerchant() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await WebHarness.with(configure: { $0.webhooksAllowPrivateNetworks = true }) { h, c in
            let f = try await ConsolePageModelTests.seed(h, receiver: receiver)
            let year = Calendar(identifier: .gregorian).component(.year, from: h.clock.now())
            let data = try await Self.recordText(h.services.db)
            var report: [String] = []
            for (who, email) in [("operator", "admin@tradelane.local"), ("merchant", "lamp@tradelane.local")] {
                var b = ConsoleTests.Browser()
                _ = try await b.login(c, email, DemoData.password)
                try await UsersConsoleTests.setLanguage(&b, c, .zh)
                var paths = ConsolePageModelTests.pages(f, year: year, isOperator: who == "operator").map(\.1)
                paths += ["/console/users", "/console/merchants/new", "/console/no-such-page", "/console/kyc?status=rejected",
                          "/console/takedowns?status=cleared&q=zzzz", "/console/listings?q=zzzz"]
                for path in paths {
                    let page = try await b.send(c, .get, path)
                    for p in Self.problems(page.html, data: data) { report.append("\(who) \(path): \(p)") }
                }
            }
            #expect(report.isEmpty, "\(report.count) problems:\n\(report.joined(separator: "\n"))")
        }
    }

    /// Validation and permission errors a person can meet, asked for in Chinese through the API (the console shows the
    /// same texts): no field key, no English, full-width punctuation.
    @Test func validationAndPermissionErrorsReadInChinese() async throws {
        try await WebHarness.with { h, c in
            let zh: HTTPFields = [.acceptLanguage: "zh-CN"]
            let requests: [(HTTPRequest.Method, String, String?, String)] = [
                (.post, "/api/v1/merchants", h.operatorKey, #"{"name":"","country":"XX","contactEmail":"nope","settlementCurrency":"ABC"}"#),
                (.post, "/api/v1/users", h.operatorKey, #"{"email":"x","displayName":"","password":"short","role":"boss","language":"fr"}"#),
                (.post, "/api/v1/listings", h.keyA, #"{"title":"","description":"","price":{"amount":"-1","currency":"CNY"},"markets":["XX"]}"#),
                (.post, "/api/v1/merchants", h.keyA, #"{"name":"Shop","country":"CN","contactEmail":"a@b.cn"}"#),
                (.get, "/api/v1/jobs", h.keyA, ""),
                (.post, "/api/v1/penalties", h.operatorKey, #"{"merchantId":"mer_x","violation":"nonsense","points":-3}"#),
                (.post, "/api/v1/webhooks", h.keyA, #"{"url":"ftp://x","events":[]}"#),
                (.get, "/api/v1/merchants?status=nonsense", h.operatorKey, ""),
            ]
            var report: [String] = []
            for (method, path, key, body) in requests {
                let r = try await c.call(method, path, key: key, json: body.isEmpty ? nil : body, headers: zh)
                #expect(r.status.code >= 400, "\(path) answered \(r.status)")
                var texts = [r.json.str("title") ?? "", r.json.str("detail") ?? ""]
                texts += ((r.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["message"] as? String }
                for text in texts where !text.isEmpty {
                    for p in Self.problems("<p>\(text)</p>", data: RecordText()) { report.append("\(method) \(path): \(p)") }
                }
            }
            #expect(report.isEmpty, "\(report.count) problems:\n\(report.joined(separator: "\n"))")
        }
    }
}
