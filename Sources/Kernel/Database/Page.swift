import Foundation

/// A page of results with the cursor for the next one (`?limit=&after=` on every list; `next` nil on the last page).
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let next: String?
    /// How many rows the whole filtered list has, when the list counted them (console "N of M").
    public var total: Int?
    public init(items: [Item], next: String?, total: Int? = nil) { self.items = items; self.next = next; self.total = total }

    /// From `limit + 1` fetched rows: the extra row only says that there is more.
    public static func of(_ fetched: [Item], limit: Int, cursor: (Item) -> String) -> Page {
        let more = fetched.count > limit
        let items = Array(fetched.prefix(limit))
        return Page(items: items, next: more ? items.last.map(cursor) : nil)
    }
}

/// A keyset cursor over (a time, a record id): `<epoch ms>.<id>`, opaque to clients.
public struct TimeIDCursor: Sendable, Equatable {
    public let time: Int64
    public let id: String

    public init(time: Int64, id: String) { self.time = time; self.id = id }

    public var token: String { "\(time).\(id)" }

    /// Throws a validation error on `after` for a token this API did not hand out.
    public init(token: String, field: String = "after") throws {
        let parts = token.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let t = Int64(parts[0]), !parts[1].isEmpty, parts[1].count <= 100,
              parts[1].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw ValidationError.invalidCursor(field)
        }
        time = t; id = String(parts[1])
    }
}

extension ValidationError {
    /// A paging cursor this API did not hand out.
    public static func invalidCursor(_ field: String = "after") -> ValidationError {
        ValidationError(field: field, code: "invalid-cursor", en: "\(field) is not a cursor from a previous page.", zh: "\(field) 不是上一页返回的游标。")
    }

    /// A cursor that is a positive integer (a version or sequence number).
    public static func positiveCursor(_ text: String?, field: String = "after") throws -> Int64? {
        guard let text else { return nil }
        guard let n = Int64(text), n > 0 else { throw invalidCursor(field) }
        return n
    }
}
