import Foundation
import Hummingbird
import Kernel
import Parties

/// What a console list reads from its query string, what it shows under its table (how many rows of how many, the
/// next and first page, export links) and how it exports every filtered row (issue 12 item 6).
enum ConsoleList {
    /// The page's list request: `sort`, `dir`, the search box and `after` from the query string; one console page.
    static func request(_ r: Request, search: String = "q") -> ListRequest {
        let q = Query(request: r)
        return ListRequest(sort: q.string("sort"), descending: q.string("dir").map { $0 == "desc" }, search: q.formText(search),
                           limit: ConsolePaging.pageSize, after: q.string("after"))
    }

    /// `?format=csv|xlsx`: nil for the page itself.
    static func format(_ r: Request) throws -> ExportFormat? {
        try Query(request: r).enumValue("format", ExportFormat.self)
    }

    /// Every row of the filtered list, fetched page by page through the list's own cursor (same filters, sort and
    /// search as the page), up to `ExportTable.maxRows` (then `truncated`).
    static func collect<Item: Sendable>(_ request: ListRequest, into table: inout ExportTable,
                                        fetch: (ListRequest) async throws -> Page<Item>,
                                        row: (Item) async throws -> [String]) async throws {
        var req = request
        req.after = nil
        req.limit = 500
        while true {
            let page = try await fetch(req)
            for item in page.items {
                guard table.rows.count < ExportTable.maxRows else { table.truncated = true; return }
                table.rows.append(try await row(item))
            }
            guard let next = page.next else { return }
            req.after = next
        }
    }

    /// The export download for a list (file named after the list and today's date).
    static func download(_ table: ExportTable, _ format: ExportFormat, routes: ConsoleRoutes) throws -> Response {
        try table.response(format, day: routes.today.description, modified: routes.services.clock.now())
    }

    /// Under a table: "N of M", next / first page and export links that keep the filters and sort.
    struct Pager: Sendable {
        let summary: String
        let nextHref: String?
        let firstHref: String?
        let csvHref: String
        let xlsxHref: String
    }

    static func pager<Item>(_ r: Request, _ page: Page<Item>, _ lang: Language) -> Pager {
        let onFirst = Query(request: r).string("after") == nil
        let n = page.items.count
        let summary: String = switch page.total {
        case let total?: onFirst && page.next == nil
            ? LocalizedText(en: "\(total) rows", zh: "共 \(total) 条")(lang)
            : LocalizedText(en: "Showing \(n) of \(total) rows on this page", zh: "本页显示 \(n) 条，共 \(total) 条")(lang)
        case nil: page.next == nil
            ? LocalizedText(en: "\(n) rows", zh: "共 \(n) 条")(lang)
            : LocalizedText(en: "Showing the first \(n) rows", zh: "仅显示前 \(n) 条")(lang)
        }
        return Pager(summary: summary, nextHref: ConsolePaging.nextHref(r, next: page.next),
                     firstHref: onFirst ? nil : ConsolePaging.href(r, dropping: ["after", "format"]),
                     csvHref: ConsolePaging.href(r, dropping: ["after", "format"], adding: "format=csv"),
                     xlsxHref: ConsolePaging.href(r, dropping: ["after", "format"], adding: "format=xlsx"))
    }
}

extension ConsoleRoutes {
    /// A merchant's name for an export cell: from `cache` (filled by `merchantNames`, which stops at 500), else looked
    /// up once, so a large export never falls back to bare ids.
    func merchantName(_ id: MerchantID, by p: Principal, cache: inout [String: String]) async -> String {
        if let hit = cache[id.rawValue] { return hit }
        let name = (try? await parties.merchants.get(id, by: p))?.name ?? id.rawValue
        cache[id.rawValue] = name
        return name
    }
}
