import Compliance
import CSV
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import Testing
import TestSupport
@testable import Web
import ZIPFoundation

/// Issue 12 item 6: any filtered console list exports to CSV (UTF-8 with BOM, RFC 4180, formulas neutralised) and to
/// a real XLSX workbook; the file holds what the page's filters select, and a merchant's file only its own rows.
@Suite struct ExportTests {
    static let sample = ExportTable(name: "sample", headers: ["名称", "Note"], rows: [
        ["上海灯具有限公司", "says \"hi\", twice"],
        ["=HYPERLINK(\"http://x\")", "+1"],
        ["-2", "@SUM(A1)"],
        ["line\nbreak", "plain"],
    ])

    @Test func csvHasTheBOMQuotesAndRoundTripsChineseText() throws {
        let bytes = CSVWriter.bytes(Self.sample)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("名称,Note\r\n"))
        #expect(text.contains("上海灯具有限公司,\"says \"\"hi\"\", twice\"\r\n"))
        // Formula-looking cells get a leading apostrophe, so a spreadsheet shows them as text.
        #expect(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\",'+1\r\n"))
        #expect(text.contains("'-2,'@SUM(A1)\r\n"))
        // A CSV reader gets back every cell (Chinese, quotes, commas, line breaks).
        let reader = try CSVReader(string: text, hasHeaderRow: true)
        #expect(reader.headerRow == ["名称", "Note"])
        var rows: [[String]] = []
        while let row = reader.next() { rows.append(row) }
        #expect(rows == [["上海灯具有限公司", "says \"hi\", twice"], ["'=HYPERLINK(\"http://x\")", "'+1"], ["'-2", "'@SUM(A1)"], ["line\nbreak", "plain"]])
    }

    @Test func xlsxUnzipsIntoTheOOXMLPartsWithTheRows() throws {
        let bytes = try XLSXWriter.bytes(Self.sample, modified: TestFixtures.start)
        let parts = try Self.unzip(bytes)
        for name in ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml", "xl/styles.xml"] {
            let xml = try #require(parts[name], "missing \(name)")
            #expect(Self.wellFormed(xml), "\(name) is not well-formed XML")
        }
        let sheet = String(decoding: parts["xl/worksheets/sheet1.xml"]!, as: UTF8.self)
        #expect(sheet.contains("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\" s=\"1\"><is><t xml:space=\"preserve\">名称</t></is></c>"))
        #expect(sheet.contains("<c r=\"B2\" t=\"inlineStr\"><is><t xml:space=\"preserve\">says &quot;hi&quot;, twice</t></is></c>"))
        #expect(sheet.contains("<row r=\"5\">"))
        // Cells are strings, never formulas.
        #expect(!sheet.contains("<f>") && sheet.contains("=HYPERLINK(&quot;http://x&quot;)"))
        #expect(String(decoding: parts["[Content_Types].xml"]!, as: UTF8.self).contains("spreadsheetml.worksheet+xml"))
        #expect(XLSXWriter.column(0) == "A" && XLSXWriter.column(25) == "Z" && XLSXWriter.column(26) == "AA" && XLSXWriter.column(701) == "ZZ")
    }

    static func unzip(_ bytes: [UInt8]) throws -> [String: Data] {
        let archive = try Archive(data: Data(bytes), accessMode: .read)
        var out: [String: Data] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            out[entry.path] = data
        }
        return out
    }

    static func wellFormed(_ data: Data) -> Bool {
        XMLParser(data: data).parse()
    }

    /// The takedown list's export over HTTP: the page's filters, every page, a merchant's own cases only.
    @Test func exportFollowsTheFiltersAndTenantWalls() async throws {
        try await WebHarness.with(approvedKYC: true) { h, c in
            let cases = try await TableScaleTests.openCases(h, c)
            // A reason that a spreadsheet would run as a formula.
            _ = try await h.services.takedowns.resolve(cases[0], action: "clear", reason: "=HYPERLINK(\"http://evil.example\",\"Licensed\")",
                                                       by: .system("t"))
            try await TableScaleTests.user(h, "officer@tl.cn", role: "compliance-officer")
            try await TableScaleTests.user(h, "shop-b@tl.cn", role: "merchant-admin", merchant: h.merchantB.id)
            var officer = ConsoleTests.Browser()
            _ = try await officer.login(c, "officer@tl.cn", "a long test password")
            let page = try await officer.send(c, .get, "/console/takedowns?status=open")
            let csvHref = try #require(TableScaleTests.link(page.html, id: "export-csv"))
            #expect(csvHref.contains("status=open") && csvHref.contains("format=csv"))

            let (status, headers, body) = try await Self.download(c, officer, "/console/takedowns" + csvHref)
            #expect(status == .ok)
            #expect(headers[.contentType] == "text/csv; charset=utf-8")
            #expect(headers[.contentDisposition]?.hasPrefix("attachment; filename=\"takedowns-") == true)
            #expect(Array(body.prefix(3)) == CSVWriter.bom)
            let reader = try CSVReader(string: String(decoding: body.dropFirst(3), as: UTF8.self), hasHeaderRow: true)
            #expect(reader.headerRow?.first == "ID" && reader.headerRow?.contains("Trigger") == true)
            var ids: [String] = []
            while let row = reader.next() { ids.append(row[0]) }
            #expect(Set(ids) == Set(cases.dropFirst()), "the open cases, not the cleared one")

            // The XLSX of the same list has the same rows.
            let (xs, xh, xbody) = try await Self.download(c, officer, "/console/takedowns?status=open&format=xlsx")
            #expect(xs == .ok && xh[.contentDisposition]?.contains(".xlsx\"") == true)
            let sheet = String(decoding: try Self.unzip(xbody)["xl/worksheets/sheet1.xml"] ?? Data(), as: UTF8.self)
            for id in cases.dropFirst() { #expect(sheet.contains(">\(id)</t>")) }
            #expect(!sheet.contains(">\(cases[0])</t>"))

            // Merchant B (one case) exports its own case only, whatever it asks for.
            var shop = ConsoleTests.Browser()
            _ = try await shop.login(c, "shop-b@tl.cn", "a long test password")
            let (ms, _, mbody) = try await Self.download(c, shop, "/console/takedowns?format=csv")
            #expect(ms == .ok)
            let mine = try CSVReader(string: String(decoding: mbody.dropFirst(3), as: UTF8.self), hasHeaderRow: true)
            var mineIds: [String] = []
            while let row = mine.next() { mineIds.append(row[0]) }
            #expect(mineIds == [cases[5]])
            let (_, _, merchants) = try await Self.download(c, shop, "/console/merchants?format=csv")
            let text = String(decoding: merchants, as: UTF8.self)
            #expect(text.contains(h.merchantB.id.rawValue) && !text.contains(h.merchantA.id.rawValue))

            // A Chinese reader gets Chinese headers.
            let token = try #require(ConsoleTests.csrf(page.html))
            _ = try await officer.send(c, .post, "/console/language", form: ["_csrf": token, "lang": "zh", "return": "/console"])
            let (_, _, zh) = try await Self.download(c, officer, "/console/takedowns?format=csv")
            #expect(String(decoding: zh.dropFirst(3), as: UTF8.self).hasPrefix("ID,"))
            #expect(String(decoding: zh, as: UTF8.self).contains("状态"))
            // Every case (no filter): the decided one's reason is there, neutralised.
            #expect(String(decoding: zh, as: UTF8.self).contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Licensed\"\")\""))
            let bad = try await Self.download(c, officer, "/console/takedowns?format=pdf")
            #expect(bad.0 == .unprocessableContent)
        }
    }

    static func download(_ c: any TestClientProtocol, _ b: ConsoleTests.Browser, _ uri: String) async throws -> (HTTPResponse.Status, HTTPFields, [UInt8]) {
        try await c.execute(uri: uri, method: .get, headers: [.cookie: b.header]) { res in
            (res.status, res.headers, Array(res.body.readableBytesView))
        }
    }
}
