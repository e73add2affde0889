import Logging

/// Wraps a log handler so SQL bind values never reach the logs: SQLKit drivers log every query with its
/// binds (bcrypt hashes, token digests, sealed fields) at the query log level. Only the SQL text is kept (K6).
public struct BindRedactingLogHandler: LogHandler {
    /// Metadata keys the drivers use for bind values (SQLKit drivers, PostgresNIO).
    static let bindKeys: Set<String> = ["binds", "psql_binds"]
    var inner: any LogHandler

    public init(_ inner: any LogHandler) { self.inner = inner }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        var metadata = metadata
        for key in Self.bindKeys where metadata?[key] != nil { metadata?[key] = "[redacted]" }
        inner.log(level: level, message: message, metadata: metadata, source: source, file: file, function: function, line: line)
    }
}

extension Logger {
    /// This logger with SQL bind values redacted (see `BindRedactingLogHandler`).
    public var redactingSQLBinds: Logger {
        if handler is BindRedactingLogHandler { return self }
        var copy = self
        copy.handler = BindRedactingLogHandler(handler)
        return copy
    }
}
