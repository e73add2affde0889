import Foundation

/// Where a console form may send the browser back to: a path on this site only (issue 10, open redirect).
enum SafeRedirect {
    /// `text` when it is a same-site relative path: one leading `/`, then not `/` or `\` (browsers read
    /// `/\host` and `//host` as another site), no backslash, whitespace or control character anywhere (browsers
    /// drop tabs and newlines, so `/\t/host` is `//host`), and the same after percent-decoding. Otherwise nil.
    static func localPath(_ text: String) -> String? {
        guard isLocal(text), text.count <= 2048 else { return nil }
        var decoded = text
        for _ in 0..<3 {
            guard let next = decoded.removingPercentEncoding, next != decoded else { break }
            guard isLocal(next) else { return nil }
            decoded = next
        }
        return text
    }

    private static func isLocal(_ s: String) -> Bool {
        let scalars = Array(s.unicodeScalars)
        guard scalars.first == "/" else { return false }
        if scalars.count > 1, scalars[1] == "/" || scalars[1] == "\\" { return false }
        return !scalars.contains { $0 == "\\" || $0.properties.isWhitespace || $0.properties.generalCategory == .control
            || $0.properties.generalCategory == .format }
    }
}
