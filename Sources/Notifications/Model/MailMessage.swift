import Foundation

/// A plain-text e-mail, rendered as RFC 5322 with CRLF line ends: UTF-8 subject as RFC 2047 encoded words, UTF-8
/// body in base64 (any server accepts it, no 8BITMIME needed, and no line can start with a dot or run too long).
public struct MailMessage: Sendable, Equatable {
    /// `Name <addr@host>` or `addr@host` (the envelope sender is the address inside).
    public var from: String
    public var to: String
    public var subject: String
    public var body: String
    public var date: Date
    /// Without angle brackets: `ntf_…@host`.
    public var messageId: String

    /// Largest body accepted (an e-mail is a short notice, not a report).
    public static let maxBodyBytes = 64 * 1024

    public init(from: String, to: String, subject: String, body: String, date: Date, messageId: String) {
        self.from = from; self.to = to; self.subject = subject; self.body = body; self.date = date; self.messageId = messageId
    }

    /// The address inside `Name <addr>`, or the text itself.
    public static func address(_ text: String) -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let open = t.lastIndex(of: "<"), let close = t.lastIndex(of: ">"), open < close {
            return String(t[t.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
        }
        return t
    }

    /// A plausible mailbox (one @, no spaces, brackets or control characters): anything else is refused before it
    /// reaches an SMTP command line.
    public static func isValidAddress(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254 else { return false }
        return address.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 && !"<>()[],;:\\\"".unicodeScalars.contains($0) }
    }

    /// No CR, LF or other control characters in a header value.
    static func headerSafe(_ s: String) -> String {
        String(s.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : Character($0) })
    }

    /// RFC 2047 B encoding of non-ASCII text in words of at most 75 characters, split between characters
    /// (never inside a UTF-8 sequence); ASCII text is left as it is.
    public static func encodeHeader(_ text: String) -> String {
        let clean = headerSafe(text)
        if clean.unicodeScalars.allSatisfy({ $0.isASCII }) && clean.utf8.count <= 900 { return clean }
        // 75 - "=?UTF-8?B?" - "?=" = 63 base64 characters → at most 45 bytes per word.
        var words: [String] = []
        var chunk: [UInt8] = []
        for ch in clean {
            let bytes = Array(String(ch).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    /// RFC 5322 date, e.g. `Mon, 02 Mar 2026 02:00:00 +0000`.
    static func rfc5322(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }

    /// The message as sent after DATA (before dot-stuffing), lines ending in CRLF.
    public func rendered() -> String {
        // Canonical text (RFC 2045 §6.8): CRLF line breaks before base64.
        let canonical = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        let bodyBytes = Data(canonical.utf8.prefix(Self.maxBodyBytes))
        let b64 = bodyBytes.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let headers = [
            "Date: \(Self.rfc5322(date))",
            "Message-ID: <\(Self.headerSafe(messageId))>",
            "From: \(Self.encodeFrom(from))",
            "To: <\(Self.headerSafe(Self.address(to)))>",
            "Subject: \(Self.encodeHeader(subject))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + b64 + "\r\n"
    }

    /// `Name <addr>` with the name encoded when it is not ASCII.
    static func encodeFrom(_ from: String) -> String {
        let addr = headerSafe(address(from))
        let t = from.trimmingCharacters(in: .whitespaces)
        guard let open = t.lastIndex(of: "<") else { return addr }
        let name = t[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        if name.isEmpty { return "<\(addr)>" }
        let safeName = name.unicodeScalars.allSatisfy { $0.isASCII }
            ? "\"" + headerSafe(name).replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "\"", with: "") + "\""
            : encodeHeader(name)
        return "\(safeName) <\(addr)>"
    }

    /// SMTP transparency (RFC 5321 §4.5.2): a line starting with a dot gets another; bare LF becomes CRLF.
    public static func dotStuffed(_ text: String) -> String {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
        var out = lines.map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        if out.last == "" { out.removeLast() }
        return out.joined(separator: "\r\n") + "\r\n"
    }
}
