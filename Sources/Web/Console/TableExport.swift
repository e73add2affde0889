import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A console list as text cells, ready to be written as CSV or XLSX (issue 12 item 6). Filled by the same query as the
/// page (same filters, sort and search), every page up to `maxRows`.
struct ExportTable: Sendable, Equatable {
    /// File name stem (ASCII), e.g. "takedowns".
    let name: String
    /// The header row, in the reader's language.
    let headers: [String]
    var rows: [[String]] = []
    /// True when the list had more rows than an export takes.
    var truncated = false

    /// Largest number of rows one export writes (bounded work; the page says so when cut).
    static let maxRows = 50_000
}

/// The formats a list exports to (`?format=csv|xlsx`).
enum ExportFormat: String, Sendable, CaseIterable {
    case csv, xlsx

    var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
    }
}

/// CSV for spreadsheets (RFC 4180): UTF-8 with a byte-order mark so that Excel on Chinese Windows reads Chinese text,
/// CRLF line ends, fields quoted when they hold a comma, quote or line break, and formula-looking cells neutralised.
enum CSVWriter {
    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    static func bytes(_ table: ExportTable) -> [UInt8] {
        var out = bom
        out.reserveCapacity(64 * (table.rows.count + 1))
        func line(_ cells: [String]) {
            out += Array(cells.map(field).joined(separator: ",").utf8)
            out += [0x0D, 0x0A]
        }
        line(table.headers)
        for row in table.rows { line(row) }
        return out
    }

    /// One field, neutralised and quoted as needed.
    static func field(_ value: String) -> String {
        let v = FormulaGuard.neutralise(value)
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A cell starting with = + - @ (or a tab or carriage return) would run as a formula when a spreadsheet opens the file
/// (CSV injection, OWASP): it gets a leading apostrophe so that it shows as the text it is.
enum FormulaGuard {
    static func neutralise(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return value }
        return "'" + value
    }
}

extension ExportTable {
    /// The download: CSV or XLSX bytes with a Content-Disposition naming `<name>-<day>.<ext>`.
    func response(_ format: ExportFormat, day: String, modified: Date) throws -> Response {
        let bytes: [UInt8] = switch format {
        case .csv: CSVWriter.bytes(self)
        case .xlsx: try XLSXWriter.bytes(self, modified: modified)
        }
        let file = "\(name)-\(day).\(format.rawValue)"
        var headers: HTTPFields = [.contentType: format.contentType, .cacheControl: "no-store"]
        headers[.contentDisposition] = "attachment; filename=\"\(file)\""
        if truncated { headers[HTTPField.Name("X-Export-Truncated")!] = String(Self.maxRows) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
