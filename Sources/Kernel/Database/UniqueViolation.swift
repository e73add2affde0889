import PostgresNIO
import SQLiteNIO

/// Recognises a unique-constraint violation from either engine, so stores can turn it into
/// a typed conflict instead of a 500.
public protocol SQLUniqueViolation: Error {
    var isUniqueViolation: Bool { get }
}

extension PSQLError: SQLUniqueViolation {
    public var isUniqueViolation: Bool { serverInfo?[.sqlState] == "23505" }
}

extension SQLiteError: SQLUniqueViolation {
    public var isUniqueViolation: Bool {
        reason == .constraintUniqueFailed || reason == .constraintPrimaryKeyFailed
            || message.contains("UNIQUE constraint failed")
    }
}

public func isUniqueViolation(_ error: any Error) -> Bool {
    (error as? any SQLUniqueViolation)?.isUniqueViolation ?? false
}
