import Testing
@testable import Web

/// Issue 10 item 7, K3: which address a login attempt counts against.
extension SecurityHardeningTests {
    @Test func clientAddressComesFromTheProxyOnlyWhenTheProxyIsTrusted() {
        // Direct client: a forged header does not move its count elsewhere.
        #expect(ClientAddress.resolve(peer: "203.0.113.7", forwardedFor: "198.51.100.1", trustForwardedFor: false) == "203.0.113.7")
        // Proxy on the same host (the documented set-up): the entry it appended, not the proxy's own address.
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: "198.51.100.1, 203.0.113.9", trustForwardedFor: false) == "203.0.113.9")
        #expect(ClientAddress.resolve(peer: "::1", forwardedFor: "2001:db8::5", trustForwardedFor: false) == "2001:db8::5")
        // A loopback peer without the header is no client address at all: only the account count applies.
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: nil, trustForwardedFor: false) == nil)
        // A proxy on another host, declared trusted.
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: "203.0.113.9", trustForwardedFor: true) == "203.0.113.9")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: nil, trustForwardedFor: true) == "10.0.0.2")
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: nil, trustForwardedFor: false) == nil)
    }
}
