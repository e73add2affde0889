import Foundation

/// Where e-mail goes: one SMTP server (issue 11 item 7).
///
/// - `smtp://host[:port]` (port 25): plain SMTP without authentication, for a relay on the same host or private
///   network. Credentials are refused here: they would cross the network in clear.
/// - `smtp+starttls://[user:password@]host[:port]` (port 587): STARTTLS is required (a server that does not offer it
///   gets nothing, credentials least of all), then AUTH PLAIN or LOGIN when credentials are given.
/// - `smtps://[user:password@]host[:port]` (port 465): TLS from the first byte, then AUTH as above.
///
/// Certificates are checked against the system's trust store, or against `trustRootsPEM` for a private CA.
public struct SMTPSettings: Sendable, Equatable, CustomStringConvertible {
    public enum Security: String, Sendable, Equatable {
        case none = "smtp"
        case startTLS = "smtp+starttls"
        case tls = "smtps"
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    /// Never printed, logged or stored (it lives in the process's configuration only).
    public var password: String?
    /// PEM certificates to trust instead of the system store (a private CA); nil: the system store.
    public var trustRootsPEM: String?
    /// `Tradelane <noreply@example.com>`; the envelope sender is the address inside.
    public var from: String
    /// Name sent in EHLO.
    public var heloName: String
    public var connectTimeout: TimeInterval
    /// Longest wait for any one server reply (the greeting, the TLS handshake's first answer and each command).
    public var replyTimeout: TimeInterval

    public init(host: String, port: Int = 25, security: Security = .none, username: String? = nil, password: String? = nil,
                from: String, heloName: String = "tradelane", connectTimeout: TimeInterval = 10, replyTimeout: TimeInterval = 30) {
        self.host = host; self.port = port; self.security = security; self.username = username; self.password = password
        self.from = from; self.heloName = heloName; self.connectTimeout = connectTimeout; self.replyTimeout = replyTimeout
    }

    /// Scheme, host and port only: never the user name or password.
    public var description: String {
        "\(security.rawValue)://\(host):\(port)" + (username == nil ? "" : " (with AUTH)")
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case invalidURL, unsupportedScheme(String), credentialsNeedTLS, invalidFrom
        public var description: String {
            switch self {
            case .invalidURL: "TRADELANE_SMTP_URL must look like smtp://host:port, smtp+starttls://user:password@host:587 or smtps://…"
            case .unsupportedScheme(let s): "TRADELANE_SMTP_URL scheme \(s) is not supported (smtp, smtp+starttls or smtps)"
            case .credentialsNeedTLS: "TRADELANE_SMTP_URL carries credentials over plain smtp://; use smtp+starttls:// or smtps:// so they are never sent in clear"
            case .invalidFrom: "TRADELANE_SMTP_FROM must be an e-mail address, optionally as Name <address>"
            }
        }
    }

    /// Parses the URL (user and password percent-decoded) and checks the sender.
    public static func parse(url: String, from: String) throws(ParseError) -> SMTPSettings {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased() else { throw .invalidURL }
        guard let security = Security(rawValue: scheme) else { throw .unsupportedScheme(scheme) }
        let user = c.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        let password = c.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        if security == .none, user != nil || password != nil { throw .credentialsNeedTLS }
        guard let host = c.host, !host.isEmpty else { throw .invalidURL }
        let port = c.port ?? (security == .none ? 25 : security == .startTLS ? 587 : 465)
        guard (1...65535).contains(port) else { throw .invalidURL }
        guard MailMessage.isValidAddress(MailMessage.address(from)) else { throw .invalidFrom }
        return SMTPSettings(host: host, port: port, security: security, username: user, password: user == nil ? nil : (password ?? ""),
                            from: from)
    }
}
