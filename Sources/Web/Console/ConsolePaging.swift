import Hummingbird

/// Console tables page with the API's cursors (issue 11 item 5): the "next page" link is this page's own query with
/// `after` set to the list's `next`, so filters survive paging.
enum ConsolePaging {
    /// Rows one console page shows.
    static let pageSize = 100

    /// Nil on the last page.
    static func nextHref(_ r: Request, next: String?) -> String? {
        guard let next else { return nil }
        var params = r.uri.queryParameters.compactMap { kv -> String? in
            let k = String(kv.key)
            return k == "after" || kv.value.isEmpty ? nil : "\(ConsoleRoutes.urlEncode(k))=\(ConsoleRoutes.urlEncode(String(kv.value)))"
        }
        params.append("after=\(ConsoleRoutes.urlEncode(next))")
        return "?" + params.joined(separator: "&")
    }
}
