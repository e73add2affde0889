import Foundation
import Kernel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where webhooks may go (SSRF): `https` to public addresses only. `allowPrivateNetworks` (tests, the demo) also
/// allows `http` and loopback, private, link-local and other non-public addresses. A host name is checked once when
/// the endpoint is saved (literal addresses, `localhost`) and again, resolved, right before every delivery.
public struct WebhookURLPolicy: Sendable, Equatable {
    public var allowPrivateNetworks: Bool
    public init(allowPrivateNetworks: Bool) { self.allowPrivateNetworks = allowPrivateNetworks }

    /// Validates an endpoint URL on `field`; returns it trimmed, or nil with the reason recorded in `v`.
    public func validate(_ text: String?, field: String = "url", into v: inout Validator) -> String? {
        guard let t = v.text(text, field: field, max: WebhookLimits.urlLength) else { return nil }
        guard let c = URLComponents(string: t), let scheme = c.scheme?.lowercased(), let host = c.host, !host.isEmpty else {
            v.fail(field, "invalid-url", en: "\(field) must be an absolute URL such as https://shop.example/hooks.",
                   zh: "\(field) 必须是完整的 URL，例如 https://shop.example/hooks。")
            return nil
        }
        guard scheme == "https" || (scheme == "http" && allowPrivateNetworks) else {
            v.fail(field, "https-required", en: "\(field) must use https.", zh: "\(field) 必须使用 HTTPS 地址。")
            return nil
        }
        guard c.user == nil, c.password == nil else {
            // Credentials in the URL would be stored and shown in clear: the signature authenticates us instead.
            v.fail(field, "credentials-in-url", en: "\(field) must not contain a user name or password.", zh: "\(field) 不得包含用户名或密码。")
            return nil
        }
        guard c.fragment == nil else {
            v.fail(field, "fragment", en: "\(field) must not contain a #fragment.", zh: "\(field) 不得包含 # 片段。")
            return nil
        }
        if !allowPrivateNetworks, let reason = Self.refusal(host: host) {
            v.fail(field, "private-address", en: "\(field) points to \(reason.en); webhooks go to public internet addresses only.",
                   zh: "\(field) 指向\(reason.zh)；Webhook 只能发送到公网地址。")
            return nil
        }
        return t
    }

    /// Why a host (as written in a URL) is not a public destination, judged without DNS; nil when it may be.
    static func refusal(host: String) -> LocalizedText? {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]."))
        if h == "localhost" || h.hasSuffix(".localhost") || h.hasSuffix(".local") || h.hasSuffix(".internal") || !h.contains(where: { $0 != "." }) {
            return LocalizedText(en: "a local host name", zh: "本地主机名")
        }
        if let address = IPAddress(literal: h), !address.isPublic {
            return LocalizedText(en: "a non-public address (\(h))", zh: "非公网地址（\(h)）")
        }
        return nil
    }
}

/// An IPv4 or IPv6 address as bytes, and whether it is a public unicast destination.
public struct IPAddress: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses a literal address, including the legacy IPv4 forms resolvers accept (`127.1`, `0x7f000001`, `2130706433`).
    public init?(literal: String) {
        var v4 = in_addr()
        if inet_aton(literal, &v4) != 0 {
            self.bytes = withUnsafeBytes(of: v4.s_addr) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 {
            self.bytes = withUnsafeBytes(of: v6) { Array($0) }
            return
        }
        return nil
    }

    public var description: String { bytes.count == 4 ? bytes.map(String.init).joined(separator: ".") : "ipv6:" + bytes.map { String(format: "%02x", $0) }.joined() }

    /// False for loopback, private (RFC 1918, unique local), link-local (cloud metadata 169.254.169.254), shared
    /// (CGNAT), documentation, benchmarking, multicast, reserved and unspecified addresses, and IPv6 forms of them.
    public var isPublic: Bool {
        if bytes.count == 4 { return Self.isPublicV4(bytes) }
        let b = bytes
        if b.allSatisfy({ $0 == 0 }) || (b[0..<15].allSatisfy { $0 == 0 } && b[15] == 1) { return false }   // :: and ::1
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return Self.isPublicV4(Array(b[12..<16])) }   // ::ffff:v4
        if b[0..<12].allSatisfy({ $0 == 0 }) { return Self.isPublicV4(Array(b[12..<16])) }   // ::v4 (deprecated)
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b { return Self.isPublicV4(Array(b[12..<16])) }   // NAT64
        if b[0] == 0xfe && (b[1] & 0xc0) == 0x80 { return false }   // fe80::/10 link-local
        if b[0] == 0xfe && (b[1] & 0xc0) == 0xc0 { return false }   // fec0::/10 site-local
        if (b[0] & 0xfe) == 0xfc { return false }                   // fc00::/7 unique local
        if b[0] == 0xff { return false }                            // multicast
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return false }   // 2001:db8::/32 documentation
        return true
    }

    static func isPublicV4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1], b[2]) {
        case (0, _, _), (10, _, _), (127, _, _): false
        case (100, 64...127, _): false            // shared address space (CGNAT)
        case (169, 254, _): false                 // link-local, cloud metadata
        case (172, 16...31, _): false
        case (192, 168, _), (192, 0, 0), (192, 0, 2), (192, 88, 99): false
        case (198, 18...19, _), (198, 51, 100), (203, 0, 113): false
        case (224...255, _, _): false             // multicast, reserved, broadcast
        default: true
        }
    }
}
