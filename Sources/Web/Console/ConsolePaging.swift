import Hummingbird

/// Console tables page with the API's cursors (issue 11 item 5): the "next page" link is this page's own query with
/// `after` set to the list's `next`, so filters and sort survive paging.
enum ConsolePaging {
    /// Rows one console page shows.
    static let pageSize = 100

    /// Nil on the last page.
    static func nextHref(_ r: Request, next: String?) -> String? {
        guard let next else { return nil }
        return href(r, dropping: ["after", "format"], adding: "after=\(ConsoleRoutes.urlEncode(next))")
    }

    /// This page's query without the `dropping` parameters (and empty ones), with `adding` appended.
    static func href(_ r: Request, dropping: Set<String>, adding: String? = nil) -> String {
        var params = r.uri.queryParameters.compactMap { kv -> String? in
            let k = String(kv.key)
            return dropping.contains(k) || kv.value.isEmpty ? nil : "\(ConsoleRoutes.urlEncode(k))=\(ConsoleRoutes.urlEncode(String(kv.value)))"
        }
        if let adding { params.append(adding) }
        return "?" + params.joined(separator: "&")
    }
}
