import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A local HTTP server on 127.0.0.1 (a free port) that records every request and answers as told: 200 by default,
/// scripted statuses per path, or never (to test timeouts). Webhook tests post to it for real.
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        public let method: String
        public let path: String
        /// Header names lower-cased.
        public let headers: [String: String]
        public let body: Data
    }

    public enum Behaviour: Sendable, Equatable {
        case answer(Int, body: String)
        /// Reads the request and never answers (the connection stays open until the receiver stops).
        case hang
        public static func status(_ code: Int) -> Behaviour { .answer(code, body: code < 300 ? "ok" : "error \(code)") }
    }

    final class Recorder: Sendable {
        struct State {
            var received: [Received] = []
            var scripts: [String: [Behaviour]] = [:]
            var always: [String: Behaviour] = [:]
            var channels: [any Channel] = []
        }
        let state = Mutex(State())

        func record(_ r: Received) -> Behaviour {
            state.withLock { s in
                s.received.append(r)
                if var queue = s.scripts[r.path], !queue.isEmpty {
                    let next = queue.removeFirst()
                    s.scripts[r.path] = queue
                    return next
                }
                return s.always[r.path] ?? .status(200)
            }
        }
    }

    let recorder: Recorder
    let server: any Channel
    public let port: Int

    init(recorder: Recorder, server: any Channel, port: Int) { self.recorder = recorder; self.server = server; self.port = port }

    public static func start() async throws -> WebhookReceiver {
        let recorder = Recorder()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                recorder.state.withLock { $0.channels.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return WebhookReceiver(recorder: recorder, server: server, port: server.localAddress?.port ?? 0)
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The next requests to `path` get these answers in turn; after them, the `always` answer (default 200).
    public func script(_ path: String, _ behaviours: [Behaviour]) { recorder.state.withLock { $0.scripts[path, default: []] += behaviours } }
    public func always(_ path: String, _ behaviour: Behaviour) { recorder.state.withLock { $0.always[path] = behaviour } }

    public var received: [Received] { recorder.state.withLock { $0.received } }
    public func received(path: String) -> [Received] { received.filter { $0.path == path } }

    public func stop() async {
        let channels = recorder.state.withLock { $0.channels }
        for c in channels { try? await c.close() }
        try? await server.close()
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let recorder: Recorder
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(recorder: Recorder) { self.recorder = recorder }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body.clear()
            case .body(var chunk):
                body.writeBuffer(&chunk)
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
                let behaviour = recorder.record(Received(method: "\(head.method)", path: path, headers: headers,
                                                         body: Data(body.readableBytesView)))
                guard case .answer(let code, let text) = behaviour else { return }
                var out = context.channel.allocator.buffer(capacity: text.utf8.count)
                out.writeString(text)
                let response = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: code),
                                                headers: ["content-type": "text/plain", "content-length": "\(out.readableBytes)"])
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(out))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
