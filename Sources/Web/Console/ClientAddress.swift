import Foundation

/// The client address login attempts are throttled by (K3).
///
/// The documented set-up binds 127.0.0.1 behind a reverse proxy on the same host, so every request's peer
/// is the proxy: keying on it would let 20 failures from anyone block every log-in. Hence:
/// - the last `X-Forwarded-For` entry (the one the nearest proxy appended) when the peer is a loopback
///   address or `TRADELANE_TRUST_FORWARDED_FOR` is set (a proxy on another host);
/// - no address (only the per-account count applies) for a loopback peer that sent no `X-Forwarded-For`;
/// - otherwise the peer itself: a client connecting directly cannot choose its address with a header.
enum ClientAddress {
    static func resolve(peer: String?, forwardedFor: String?, trustForwardedFor: Bool) -> String? {
        let loopback = peer.map(isLoopback) ?? false
        if trustForwardedFor || loopback {
            if let last = forwardedFor?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
                return String(last.prefix(64))
            }
            if loopback { return nil }
        }
        return peer
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}
