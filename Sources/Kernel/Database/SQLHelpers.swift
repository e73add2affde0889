import SQLKit

extension SQLDatabase {
    public var engine: DatabaseEngine { dialect.name == "postgresql" ? .postgres : .sqlite }
}

/// Column types that differ between the engines.
public enum ColumnType {
    public static func blob(_ engine: DatabaseEngine) -> String { engine == .postgres ? "BYTEA" : "BLOB" }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern (with `ESCAPE '\'`).
public func likeEscaped(_ text: String) -> String {
    var out = ""
    for ch in text {
        if ch == "%" || ch == "_" || ch == "\\" { out.append("\\") }
        out.append(ch)
    }
    return out
}
