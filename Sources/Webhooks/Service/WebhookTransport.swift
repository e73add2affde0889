import AsyncHTTPClient
import Foundation
import Kernel
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What came back from one POST: a status (nil when no answer arrived), or why not, and the start of the body.
public struct WebhookExchange: Sendable, Equatable {
    public var status: Int?
    public var error: String?
    public var latencyMs: Int
    public var excerpt: String
}

/// Sends one signed webhook; the production one is `HTTPWebhookTransport`.
public protocol WebhookTransport: Sendable {
    func post(url: String, headers: [(String, String)], body: Data, settings: WebhookSettings) async -> WebhookExchange
}

/// POSTs over AsyncHTTPClient: no redirects followed (a 3xx is a failed attempt), at most
/// `WebhookLimits.excerptBytes` of the answer read, the whole exchange bounded by `settings.requestTimeout`. Unless
/// private networks are allowed, the host is resolved first and every address must be public (SSRF).
public struct HTTPWebhookTransport: WebhookTransport {
    public init() {}

    /// One client for the process (never shut down, so never deinitialised): redirects off, connect timeout bounded.
    static let client: HTTPClient = {
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: .seconds(5), read: .seconds(30))
        config.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
    }()

    public func post(url: String, headers: [(String, String)], body: Data, settings: WebhookSettings) async -> WebhookExchange {
        let started = ContinuousClock.now
        func elapsed() -> Int {
            let d = ContinuousClock.now - started
            return Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
        }
        do {
            if !settings.allowPrivateNetworks {
                guard let host = URLComponents(string: url)?.host else { throw TransportError("no host in the URL") }
                try await Self.requirePublic(host: host)
            }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: body))
            let timeout = settings.requestTimeout
            let prepared = request
            let (status, excerpt) = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                group.addTask {
                    let response = try await Self.client.execute(prepared, deadline: .now() + .milliseconds(Int64(timeout * 1000)))
                    var bytes: [UInt8] = []
                    for try await var chunk in response.body {
                        let take = min(WebhookLimits.excerptBytes - bytes.count, chunk.readableBytes)
                        bytes += chunk.readBytes(length: take) ?? []
                        if bytes.count >= WebhookLimits.excerptBytes { break }
                    }
                    return (Int(response.status.code), String(decoding: bytes, as: UTF8.self))
                }
                // A second bound in case the body trickles past the request deadline.
                group.addTask {
                    try await Task.sleep(for: .milliseconds(Int64(timeout * 1000) + 500))
                    throw TransportError("timed out after \(timeout) s")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
            return WebhookExchange(status: status, error: nil, latencyMs: elapsed(), excerpt: excerpt)
        } catch let e as TransportError {
            return WebhookExchange(status: nil, error: e.message, latencyMs: elapsed(), excerpt: "")
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
            return WebhookExchange(status: nil, error: "timed out after \(settings.requestTimeout) s", latencyMs: elapsed(), excerpt: "")
        } catch {
            return WebhookExchange(status: nil, error: "\(error)", latencyMs: elapsed(), excerpt: "")
        }
    }

    struct TransportError: Error { let message: String; init(_ m: String) { message = m } }

    /// Resolves `host` and refuses when any of its addresses is not public (a name pointing at 10.x or 169.254.169.254).
    static func requirePublic(host: String) async throws {
        let name = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if let refusal = WebhookURLPolicy.refusal(host: name) { throw TransportError("refused: \(refusal.en)") }
        let addresses = try await NIOThreadPool.singleton.runIfActive { try resolve(name) }
        guard !addresses.isEmpty else { throw TransportError("\(name) does not resolve") }
        if let bad = addresses.first(where: { !$0.isPublic }) {
            throw TransportError("refused: \(name) resolves to a non-public address (\(bad))")
        }
    }

    static func resolve(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &list)
        guard rc == 0 else { throw TransportError("\(host) does not resolve (\(String(cString: gai_strerror(rc))))") }
        defer { freeaddrinfo(list) }
        var out: [IPAddress] = []
        var node = list
        while let info = node?.pointee {
            if let sa = info.ai_addr {
                if info.ai_family == AF_INET {
                    let a = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    if let ip = IPAddress(bytes: withUnsafeBytes(of: a) { Array($0) }) { out.append(ip) }
                } else if info.ai_family == AF_INET6 {
                    let a = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    if let ip = IPAddress(bytes: withUnsafeBytes(of: a) { Array($0) }) { out.append(ip) }
                }
            }
            node = info.ai_next
        }
        return out
    }
}
