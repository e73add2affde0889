import Foundation
import SQLKit

/// One way a list can be ordered (issue 12 item 6): the name a caller asks for (`?sort=`), the SQL expression the rows
/// are ordered by and the kind of its values. The expression is the store's own text, never input, and never NULL
/// (wrap nullable columns in `coalesce`) so that the keyset comparison sees every row.
public struct SortKey: Sendable {
    public enum Kind: Sendable { case integer, text }
    public let name: String
    public let expression: String
    public let kind: Kind

    public init(_ name: String, _ expression: String, _ kind: Kind) {
        self.name = name; self.expression = expression; self.kind = kind
    }
}

/// What a list asks of a store: sort, direction, text search, page size and the cursor of the previous page.
public struct ListRequest: Sendable, Equatable {
    public var sort: String?
    public var descending: Bool?
    public var search: String?
    public var limit: Int
    public var after: String?

    public init(sort: String? = nil, descending: Bool? = nil, search: String? = nil, limit: Int = 100, after: String? = nil) {
        self.sort = sort; self.descending = descending; self.search = search; self.limit = limit; self.after = after
    }

    /// Longest search text a list takes (bounded input).
    public static let maxSearch = 200
    /// Largest page any list returns (APIs bound their `limit` lower).
    public static let maxLimit = 1000

    /// The search text trimmed and bounded, nil when blank.
    public var searchText: String? {
        guard let s = search?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty else { return nil }
        return String(s.prefix(Self.maxSearch))
    }

    public var boundedLimit: Int { min(max(limit, 1), Self.maxLimit) }
}

/// Keyset (cursor) paging that works with any chosen sort: rows are ordered by (sort expression, id) and the cursor is
/// the last row's pair, so a page never repeats or skips a row when rows are added or removed meanwhile, on SQLite and
/// PostgreSQL alike. The token names its sort, so a cursor from one order is refused under another.
public struct Keyset: Sendable {
    public enum Value: Sendable, Equatable {
        case integer(Int64)
        case text(String)
    }

    public let key: SortKey
    public let descending: Bool
    /// The id column (qualified when the query joins), trusted text.
    let idColumn: String

    /// Picks the requested sort among `keys`; an unknown one is a validation error naming `sort`.
    public init(_ request: ListRequest, keys: [SortKey], default defaultKey: String, defaultDescending: Bool = false,
                idColumn: String = "id") throws {
        let name = request.sort ?? defaultKey
        guard let key = keys.first(where: { $0.name == name }) else {
            let allowed = keys.map(\.name).joined(separator: ", ")
            throw ValidationError(field: "sort", code: "invalid", en: "sort must be one of \(allowed).", zh: "sort 必须是以下之一：\(allowed)。")
        }
        self.key = key
        descending = request.descending ?? (request.sort == nil ? defaultDescending : false)
        self.idColumn = idColumn
    }

    private struct Token: Codable {
        let s: String
        let d: Bool
        let i: Int64?
        let t: String?
        let id: String
    }

    /// The opaque cursor after a row with this sort value and id.
    public func token(_ value: Value, id: String) -> String {
        let tok: Token = switch value {
        case .integer(let n): Token(s: key.name, d: descending, i: n, t: nil, id: id)
        case .text(let s): Token(s: key.name, d: descending, i: nil, t: s, id: id)
        }
        let data = (try? JSONEncoder().encode(tok)) ?? Data()
        return "k" + data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads a cursor this list handed out for the same sort; anything else is `invalid-cursor` on `after`.
    public func decode(_ token: String, field: String = "after") throws -> (Value, String) {
        guard token.hasPrefix("k"), token.count <= 1200 else { throw ValidationError.invalidCursor(field) }
        var b = String(token.dropFirst()).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard let data = Data(base64Encoded: b), let tok = try? JSONDecoder().decode(Token.self, from: data),
              tok.s == key.name, tok.d == descending, !tok.id.isEmpty, tok.id.count <= 100 else {
            throw ValidationError.invalidCursor(field)
        }
        switch (key.kind, tok.i, tok.t) {
        case (.integer, let n?, nil): return (.integer(n), tok.id)
        case (.text, nil, let s?): return (.text(s), tok.id)
        default: throw ValidationError.invalidCursor(field)
        }
    }

    /// Adds the sort value as column `sort_value`, the cursor condition (rows after `after`) and the order.
    public func apply(_ q: SQLSelectBuilder, after: String?) throws {
        let expr = key.expression
        let sortExpr: SQLQueryString = "\(unsafeRaw: expr)"
        let idExpr: SQLQueryString = "\(unsafeRaw: idColumn)"
        q.column(SQLAlias(sortExpr, as: SQLIdentifier("sort_value")))
        if let after {
            let (value, id) = try decode(after)
            let op = descending ? "<" : ">"
            let bind: any Encodable & Sendable = switch value {
            case .integer(let n): n
            case .text(let s): s
            }
            let cond: SQLQueryString = "(\(unsafeRaw: expr) \(unsafeRaw: op) \(bind: bind) OR (\(unsafeRaw: expr) = \(bind: bind) AND \(unsafeRaw: idColumn) \(unsafeRaw: op) \(bind: id)))"
            q.where(cond)
        }
        let dir: SQLDirection = descending ? .descending : .ascending
        q.orderBy(SQLOrderBy(expression: sortExpr, direction: dir))
        q.orderBy(SQLOrderBy(expression: idExpr, direction: dir))
    }

    /// Runs `q` (filters set, not yet ordered) for one page: `limit` rows after `after` and the cursor of the next page.
    public func page<Row: Decodable, Item: Sendable>(_ q: SQLSelectBuilder, request: ListRequest, decoding: Row.Type,
                                                     id: (Row) -> String, map: (Row) throws -> Item) async throws -> Page<Item> {
        let limit = request.boundedLimit
        try apply(q, after: request.after)
        let rows = try await q.limit(limit + 1).all()
        var items: [Item] = []
        var next: String?
        for (n, row) in rows.enumerated() {
            guard n < limit else { break }
            let decoded = try row.decode(model: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            items.append(try map(decoded))
            if n == limit - 1, rows.count > limit {
                let value: Value = switch key.kind {
                case .integer: .integer(try row.decode(column: "sort_value", as: Int64.self))
                case .text: .text(try row.decode(column: "sort_value", as: String.self))
                }
                next = token(value, id: id(decoded))
            }
        }
        return Page(items: items, next: next)
    }

    /// `count(*)` of a query with the list's filters (for "N of M").
    public static func count(_ q: SQLSelectBuilder) async throws -> Int {
        Int(try await q.first()?.decode(column: "n", as: Int64.self) ?? 0)
    }

    /// `lower(column) LIKE %text%` over any of `columns` (trusted names), case-insensitive on both engines.
    public static func search(_ text: String, in columns: [String]) -> SQLQueryString {
        let pattern = "%" + likeEscaped(text.lowercased()) + "%"
        var s = SQLQueryString("(")
        for (n, col) in columns.enumerated() {
            if n > 0 { s.appendLiteral(" OR ") }
            s.appendInterpolation(unsafeRaw: "lower(coalesce(\(col), ''))")
            s.appendLiteral(" LIKE ")
            s.appendInterpolation(bind: pattern)
            s.appendLiteral(" ESCAPE '\\'")
        }
        s.appendLiteral(")")
        return s
    }
}
