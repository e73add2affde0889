import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The external sink of audit checkpoints (K5): one JSON line per checkpoint, appended with `O_APPEND` (one `write`
/// per line, then `fsync`), never rewritten. Put it on storage the database's administrators cannot write (another
/// volume, a WORM bucket mount, a log shipper's spool) — see docs/operations.md.
public struct AuditCheckpointFile: Sendable {
    public let path: String
    public init(path: String) { self.path = path }

    public enum FileError: Error, CustomStringConvertible {
        case cannotOpen(String, Int32)
        case shortWrite(String)
        public var description: String {
            switch self {
            case .cannotOpen(let p, let e): "cannot open \(p) for appending: \(String(cString: strerror(e)))"
            case .shortWrite(let p): "short write to \(p)"
            }
        }
    }

    public func append(_ checkpoint: AuditCheckpoint) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError.cannotOpen(path, errno) }
        defer { close(fd) }
        let bytes = Array((checkpoint.jsonLine + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw FileError.shortWrite(path) }
        _ = fsync(fd)
    }

    /// Every line, or nil when the file does not exist.
    public func lines() throws -> [String]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// The last line only, read from the end of the file (for `/metrics` at every scrape).
    public func lastLine(maxBytes: Int = 4096) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        guard let end = try? h.seekToEnd(), end > 0 else { return nil }
        let start = end > UInt64(maxBytes) ? end - UInt64(maxBytes) : 0
        try? h.seek(toOffset: start)
        guard let data = try? h.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init)
    }
}
