import Foundation
import Hummingbird
import Kernel
import Mustache
import NIOCore

/// Mustache templates loaded once at start-up; a missing template is a start-up error.
struct Views: Sendable {
    let library: MustacheLibrary
    static let pages = ["login", "dashboard", "merchants", "merchant", "kyc", "api-keys", "notices", "screening", "listings", "error",
                        "takedowns", "catalogue", "penalties", "certifications", "regulations", "public-listing", "inbox", "users", "invite", "merchant-new",
                        "account", "login-verify",
                        "catalogue-rules", "catalogue-rule", "catalogue-rule-form", "catalogue-change",
                        "kyc-submission", "listing", "takedown-case", "penalty", "timeline", "bulk-result"]

    static func load() async throws -> Views {
        guard let dir = Bundle.module.url(forResource: "templates", withExtension: nil, subdirectory: "Resources") else {
            throw ConfigError.invalid("console templates missing from the bundle")
        }
        let library = try await MustacheLibrary(directory: dir.path)
        for page in pages where library.getTemplate(named: page) == nil {
            throw ConfigError.invalid("console template \(page).mustache missing")
        }
        return Views(library: library)
    }

    /// Renders a page model with its chrome (no untyped entry point: every page has a `PageModel`).
    func render<Page: PageModel>(_ view: ConsoleView<Page>, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let html = library.render(view, withTemplate: Page.template) ?? "<!doctype html><title>error</title>template \(Page.template) missing"
        var h = headers
        h[.contentType] = "text/html; charset=utf-8"
        h[.cacheControl] = "no-store"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func errorPage(status: Int, problem: Problem, language: Language, chrome: ConsoleChrome? = nil) -> Response {
        let errors = (problem.errors ?? []).map { ErrorPageModel.FieldError(field: $0.field, message: $0.message) }
        let page = ErrorPageModel(lang: language.rawValue, t: ConsoleStrings.dictionary(language), status: status, title: problem.title,
                                  detail: problem.detail, errors: errors, hasErrors: !errors.isEmpty)
        return render(ConsoleView(page: page, chrome: chrome), status: .init(code: status))
    }
}

/// Server-side sortable table, like the merchants and KYC tables: header links carry `?sort=key&dir=asc|desc`
/// (other query parameters kept, so filters survive), rows carry their sort keys under `sortKeys`.
struct ConsoleTable {
    struct Column {
        let key: String
        let label: String
        let sortable: Bool
        init(_ key: String, _ label: String, sortable: Bool = true) { self.key = key; self.label = label; self.sortable = sortable }
    }

    let sort: String
    let desc: Bool
    let sortParam: String
    let dirParam: String
    let keep: [String]

    init(_ r: Request, default defaultSort: String, descending: Bool = false, sortParam: String = "sort", dirParam: String = "dir",
         allowed: Set<String>) {
        let q = Query(request: r)
        let requested = q.string(sortParam)
        sort = requested.flatMap { allowed.contains($0) ? $0 : nil } ?? defaultSort
        desc = q.string(dirParam).map { $0 == "desc" } ?? (requested == nil ? descending : false)
        self.sortParam = sortParam; self.dirParam = dirParam
        keep = r.uri.queryParameters.compactMap { kv -> String? in
            let k = String(kv.key)
            // A new order starts again at the first page (a cursor belongs to one order).
            guard k != sortParam, k != dirParam, k != "after", k != "format", !kv.value.isEmpty else { return nil }
            return "\(ConsoleRoutes.urlEncode(k))=\(ConsoleRoutes.urlEncode(String(kv.value)))"
        }
    }

    /// A `{{#headers}}` entry.
    struct Header: Sendable {
        let key: String
        let label: String
        let sortable: Bool
        let active: Bool
        let arrow: String
        let ariaSort: String
        let href: String
    }

    func headers(_ columns: [Column]) -> [Header] {
        columns.map { col in
            let active = col.sortable && sort == col.key
            let nextDir = active && !desc ? "desc" : "asc"
            return Header(key: col.key, label: col.label, sortable: col.sortable, active: active,
                          arrow: active ? (desc ? "▼" : "▲") : "", ariaSort: active ? (desc ? "descending" : "ascending") : "none",
                          href: "?" + (keep + ["\(sortParam)=\(col.key)", "\(dirParam)=\(nextDir)"]).joined(separator: "&"))
        }
    }

    /// Sorts by `row.sortKeys[sort]` (strings; pad numbers), stable on ties.
    func apply<Row: SortableRow>(_ rows: [Row]) -> [Row] {
        rows.enumerated().sorted { a, b in
            let ka = a.element.sortKeys[sort] ?? "", kb = b.element.sortKeys[sort] ?? ""
            if ka == kb { return a.offset < b.offset }
            return desc ? ka > kb : ka < kb
        }.map(\.element)
    }

    static func pad(_ n: Int) -> String { String(format: "%015lld", Int64(n) + 100_000_000_000_000) }
    static func pad(_ d: Date?) -> String { d.map { pad(Int($0.timeIntervalSince1970)) } ?? "" }
}

/// A table row that `ConsoleTable.apply` can order: its sort key per sortable column.
protocol SortableRow {
    var sortKeys: [String: String] { get }
}
