import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kernel
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 12 item 12: HEAD for every GET, 405 with `Allow` for a wrong method on a known path, and a favicon.
@Suite struct HTTPDetailsTests {
    @Test func headAnswersEveryGetWithHeadersAndNoBody() async throws {
        try await WebHarness.with { h, c in
            for (uri, key, type) in [("/api/v1/merchants", h.operatorKey, "application/json"), ("/health/live", nil, "application/json"),
                                     ("/console/login", nil, "text/html"), ("/api/openapi.yaml", nil, "yaml"), ("/favicon.ico", nil, "image/x-icon")] {
                let get = try await c.call(.get, uri, key: key)
                let head = try await c.call(.head, uri, key: key)
                #expect(get.status == .ok && head.status == .ok, "\(uri): GET \(get.status), HEAD \(head.status)")
                #expect(head.raw.readableBytes == 0 && get.raw.readableBytes > 0, "\(uri)")
                #expect(head.headers[.contentType]?.contains(type) == true, "\(uri): \(head.headers[.contentType] ?? "-")")
            }
            // HEAD is no way around authentication.
            #expect(try await c.call(.head, "/api/v1/merchants", key: nil).status == .unauthorized)
        }
    }

    @Test func aWrongMethodOnAKnownPathIs405WithAllow() async throws {
        try await WebHarness.with { h, c in
            let r = try await c.call(.delete, "/api/v1/merchants", key: h.operatorKey, headers: [.acceptLanguage: "zh-CN"])
            #expect(r.status == .methodNotAllowed && r.headers[.allow] == "GET, HEAD, POST")
            #expect(r.json["code"] as? String == "http-405" && r.json["title"] as? String == "方法不允许")
            let onRecord = try await c.call(.put, "/api/v1/merchants/\(h.merchantA.id.rawValue)", key: h.operatorKey)
            #expect(onRecord.status == .methodNotAllowed && onRecord.headers[.allow] == "GET, HEAD, PATCH")
            let login = try await c.call(.put, "/console/login", key: nil)
            #expect(login.status == .methodNotAllowed && login.headers[.allow] == "GET, HEAD, POST")
            // Unknown paths stay 404, and so does an unknown record on a known path.
            #expect(try await c.call(.delete, "/api/v1/nothing-here", key: h.operatorKey).status == .notFound)
            #expect(try await c.call(.get, "/api/v1/merchants/mer_nobody", key: h.operatorKey).status == .notFound)
        }
    }

    @Test func pagesHaveAFavicon() async throws {
        try await WebHarness.with { _, c in
            let ico = try await c.call(.get, "/favicon.ico", key: nil)
            #expect(ico.status == .ok && Array(ico.raw.readableBytesView.prefix(4)) == [0, 0, 1, 0])
            let svg = try await c.call(.get, "/static/favicon.svg", key: nil)
            #expect(svg.status == .ok && String(buffer: svg.raw).hasPrefix("<svg") && svg.headers[.contentType] == "image/svg+xml")
            let login = try await c.call(.get, "/console/login", key: nil, headers: [.accept: "text/html"])
            #expect(String(buffer: login.raw).contains(#"<link rel="icon" href="/static/favicon.svg""#))
        }
    }
}
