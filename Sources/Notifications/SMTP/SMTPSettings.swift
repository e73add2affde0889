import Foundation

/// Where e-mail goes: one SMTP server, usually a relay on the same network (issue 11 item 7).
///
/// `smtp://host:port` speaks plain SMTP without authentication: point it at a relay (Postfix, a cloud provider's
/// relay endpoint in the VPC) that takes care of TLS and authentication upstream. Credentials in the URL are refused,
/// because they would cross the network in clear.
public struct SMTPSettings: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// `Tradelane <noreply@example.com>`; the envelope sender is the address inside.
    public var from: String
    /// Name sent in EHLO.
    public var heloName: String
    public var connectTimeout: TimeInterval
    /// Longest wait for any one server reply (the greeting and each command).
    public var replyTimeout: TimeInterval

    public init(host: String, port: Int = 25, from: String, heloName: String = "tradelane", connectTimeout: TimeInterval = 10,
                replyTimeout: TimeInterval = 30) {
        self.host = host; self.port = port; self.from = from; self.heloName = heloName
        self.connectTimeout = connectTimeout; self.replyTimeout = replyTimeout
    }

    /// Never prints more than host and port.
    public var description: String { "smtp://\(host):\(port)" }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case invalidURL, unsupportedScheme(String), credentialsNotSupported, invalidFrom
        public var description: String {
            switch self {
            case .invalidURL: "TRADELANE_SMTP_URL must look like smtp://host:port"
            case .unsupportedScheme(let s): "TRADELANE_SMTP_URL scheme \(s) is not supported (use smtp://, to a relay)"
            case .credentialsNotSupported: "TRADELANE_SMTP_URL must not carry credentials: plain SMTP would send them in clear (use a relay)"
            case .invalidFrom: "TRADELANE_SMTP_FROM must be an e-mail address, optionally as Name <address>"
            }
        }
    }

    /// Parses `smtp://host[:port]` (default port 25) and checks the sender.
    public static func parse(url: String, from: String) throws(ParseError) -> SMTPSettings {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased() else { throw .invalidURL }
        guard scheme == "smtp" else { throw .unsupportedScheme(scheme) }
        guard c.user == nil, c.password == nil else { throw .credentialsNotSupported }
        guard let host = c.host, !host.isEmpty else { throw .invalidURL }
        let port = c.port ?? 25
        guard (1...65535).contains(port) else { throw .invalidURL }
        guard MailMessage.isValidAddress(MailMessage.address(from)) else { throw .invalidFrom }
        return SMTPSettings(host: host, port: port, from: from)
    }
}
