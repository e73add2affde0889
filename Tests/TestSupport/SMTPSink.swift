import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A tiny SMTP server on 127.0.0.1 for tests (issue 11 item 7): records what it accepts, and can be told to answer
/// a stage with a 4xx/5xx code or to accept a connection and never say a word. Optionally offers STARTTLS (with
/// `SinkCertificate`) and requires AUTH (offered only once TLS is on, like real submission servers).
public final class SMTPSink: Sendable {
    public enum Stage: String, Sendable { case greeting, ehlo, mail, rcpt, data, endOfData }

    /// One accepted message: the envelope and the DATA text as the client meant it (dot-stuffing undone).
    public struct Received: Sendable, Equatable {
        public let mailFrom: String
        public let rcptTo: [String]
        public let data: String
        /// Whether the message came over TLS.
        public let tls: Bool
        /// The user that authenticated, if any.
        public let user: String?

        /// Header lines, unfolded.
        public var headers: [(name: String, value: String)] {
            let head = data.components(separatedBy: "\r\n\r\n").first ?? ""
            var out: [(String, String)] = []
            for line in head.components(separatedBy: "\r\n") {
                if line.hasPrefix(" ") || line.hasPrefix("\t"), !out.isEmpty {
                    out[out.count - 1].1 += line
                } else if let colon = line.firstIndex(of: ":") {
                    out.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
                }
            }
            return out
        }

        public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }

        /// The Subject with RFC 2047 B-encoded UTF-8 words decoded.
        public var subject: String { Self.decodeWords(header("Subject") ?? "") }

        /// The body, base64-decoded when so declared.
        public var bodyText: String {
            let parts = data.components(separatedBy: "\r\n\r\n")
            let raw = parts.dropFirst().joined(separator: "\r\n\r\n")
            guard header("Content-Transfer-Encoding")?.lowercased() == "base64" else { return raw }
            let compact = raw.filter { !$0.isWhitespace }
            return Data(base64Encoded: compact).map { String(decoding: $0, as: UTF8.self) } ?? "<invalid base64>"
        }

        static func decodeWords(_ value: String) -> String {
            var out = ""
            for token in value.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let t = String(token)
                if t.hasPrefix("=?UTF-8?B?") || t.hasPrefix("=?utf-8?b?"), t.hasSuffix("?="),
                   let data = Data(base64Encoded: String(t.dropFirst(10).dropLast(2))) {
                    out += String(decoding: data, as: UTF8.self)
                } else {
                    out += (out.isEmpty ? "" : " ") + t
                }
            }
            return out
        }
    }

    struct State {
        var messages: [Received] = []
        var faults: [(stage: Stage, code: Int, remaining: Int)] = []
        var hangs = 0
        var connections = 0
        var children: [any Channel] = []
        var clearTextAuth = 0
    }

    let state = Mutex(State())
    let server: any Channel
    public let port: Int
    let tls: NIOSSLContext?
    let credentials: (user: String, password: String)?
    let mechanisms: [String]

    init(server: any Channel, port: Int, tls: NIOSSLContext?, credentials: (user: String, password: String)?, mechanisms: [String]) {
        self.server = server; self.port = port; self.tls = tls; self.credentials = credentials; self.mechanisms = mechanisms
    }

    /// `startTLS`: offer STARTTLS; `implicitTLS`: TLS from the first byte (smtps); `credentials`: require AUTH with
    /// them (mechanisms offered: `mechanisms`).
    public static func start(startTLS: Bool = false, implicitTLS: Bool = false, credentials: (user: String, password: String)? = nil,
                             mechanisms: [String] = ["PLAIN", "LOGIN"]) async throws -> SMTPSink {
        let tls = startTLS || implicitTLS ? try SinkCertificate.serverContext() : nil
        let box = Mutex<SMTPSink?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    guard let sink = box.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    sink.state.withLock { $0.children.append(ch) }
                    if implicitTLS, let tls { try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try ch.pipeline.syncOperations.addHandler(SinkConnection(sink: sink, secured: implicitTLS))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let sink = SMTPSink(server: channel, port: channel.localAddress?.port ?? 0, tls: tls, credentials: credentials, mechanisms: mechanisms)
        box.withLock { $0 = sink }
        return sink
    }

    public var url: String { "smtp://127.0.0.1:\(port)" }
    public var messages: [Received] { state.withLock { $0.messages } }
    public var connections: Int { state.withLock { $0.connections } }
    /// AUTH commands received before TLS (a client must never send them).
    public var clearTextAuthAttempts: Int { state.withLock { $0.clearTextAuth } }

    /// The next `times` times the client reaches `stage`, answer `code` instead.
    public func fail(_ stage: Stage, code: Int, times: Int = 1) {
        state.withLock { $0.faults.append((stage, code, times)) }
    }

    /// The next `times` connections are accepted and then never answered.
    public func hang(times: Int = 1) { state.withLock { $0.hangs += times } }

    public func stop() async {
        let children = state.withLock { $0.children }
        for c in children { try? await c.close() }
        try? await server.close()
    }

    func fault(at stage: Stage) -> Int? {
        state.withLock { s in
            guard let i = s.faults.firstIndex(where: { $0.stage == stage && $0.remaining > 0 }) else { return nil }
            s.faults[i].remaining -= 1
            return s.faults[i].code
        }
    }

    /// Returns true when this connection is to hang.
    func connected() -> Bool {
        state.withLock { s in
            s.connections += 1
            if s.hangs > 0 { s.hangs -= 1; return true }
            return false
        }
    }

    func record(_ r: Received) { state.withLock { $0.messages.append(r) } }
}

/// One client connection of the sink; runs on its event loop only.
final class SinkConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let sink: SMTPSink
    var pending: [UInt8] = []
    var hanging = false
    var inData = false
    var mailFrom = ""
    var rcpt: [String] = []
    var dataLines: [String] = []
    var secured = false
    var user: String?
    enum Login { case none, user, password(String) }
    var login = Login.none

    init(sink: SMTPSink, secured: Bool = false) { self.sink = sink; self.secured = secured }

    func channelActive(context: ChannelHandlerContext) {
        hanging = sink.connected()
        if hanging { return }
        if let code = sink.fault(at: .greeting) {
            send("\(code) sink busy", context)
            return
        }
        send("220 sink ESMTP ready", context)
    }

    func send(_ line: String, _ context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(ByteBuffer(string: line + "\r\n")), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !hanging else { return }
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(pending[..<nl])
            pending.removeFirst(nl + 1)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            handle(String(decoding: line, as: UTF8.self), context)
        }
    }

    func reply(_ stage: SMTPSink.Stage, ok: String, _ context: ChannelHandlerContext) -> Bool {
        if let code = sink.fault(at: stage) {
            send("\(code) sink says no at \(stage.rawValue)", context)
            return false
        }
        send(ok, context)
        return true
    }

    func handle(_ line: String, _ context: ChannelHandlerContext) {
        if inData {
            if line == "." {
                inData = false
                let text = dataLines.joined(separator: "\r\n") + "\r\n"
                if reply(.endOfData, ok: "250 queued", context) {
                    sink.record(.init(mailFrom: mailFrom, rcptTo: rcpt, data: text, tls: secured, user: user))
                }
                mailFrom = ""; rcpt = []; dataLines = []
            } else {
                dataLines.append(line.hasPrefix("..") ? String(line.dropFirst()) : line)
            }
            return
        }
        switch login {
        case .none: break
        case .user:
            login = .password(Self.unbase64(line))
            return send("334 UGFzc3dvcmQ6", context)
        case .password(let name):
            login = .none
            return authenticate(name, Self.unbase64(line), context)
        }
        let upper = line.uppercased()
        if upper.hasPrefix("EHLO") {
            var lines = ["250-sink", "250-8BITMIME"]
            if sink.tls != nil && !secured { lines.append("250-STARTTLS") }
            if sink.credentials != nil && secured { lines.append("250-AUTH " + sink.mechanisms.joined(separator: " ")) }
            _ = reply(.ehlo, ok: (lines + ["250 SIZE 10000000"]).joined(separator: "\r\n"), context)
        } else if upper == "STARTTLS", let tls = sink.tls, !secured {
            send("220 ready to start TLS", context)
            secured = true
            pending = []
            try? context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
        } else if upper.hasPrefix("AUTH ") {
            guard secured else {
                sink.state.withLock { $0.clearTextAuth += 1 }
                return send("538 encryption required", context)
            }
            let parts = line.split(separator: " ")
            if parts.count == 3, parts[1].uppercased() == "PLAIN", sink.mechanisms.contains("PLAIN") {
                let fields = (Data(base64Encoded: String(parts[2])) ?? Data()).split(separator: 0, omittingEmptySubsequences: false)
                    .map { String(decoding: $0, as: UTF8.self) }
                return fields.count == 3 ? authenticate(fields[1], fields[2], context) : send("501 bad PLAIN", context)
            }
            if parts.count == 2, parts[1].uppercased() == "LOGIN", sink.mechanisms.contains("LOGIN") {
                login = .user
                return send("334 VXNlcm5hbWU6", context)
            }
            send("504 mechanism not supported", context)
        } else if upper.hasPrefix("HELO") {
            send("250 sink", context)
        } else if upper.hasPrefix("MAIL FROM:") {
            if sink.credentials != nil && user == nil { return send("530 authentication required", context) }
            if reply(.mail, ok: "250 ok", context) { mailFrom = Self.angle(line) }
        } else if upper.hasPrefix("RCPT TO:") {
            if reply(.rcpt, ok: "250 ok", context) { rcpt.append(Self.angle(line)) }
        } else if upper == "DATA" {
            if reply(.data, ok: "354 go ahead", context) { inData = true }
        } else if upper == "QUIT" {
            send("221 bye", context)
            context.close(promise: nil)
        } else if upper == "RSET" || upper == "NOOP" {
            send("250 ok", context)
        } else {
            send("500 unknown command", context)
        }
    }

    func authenticate(_ name: String, _ password: String, _ context: ChannelHandlerContext) {
        if let c = sink.credentials, c.user == name, c.password == password {
            user = name
            send("235 authenticated", context)
        } else {
            send("535 authentication failed", context)
        }
    }

    static func unbase64(_ s: String) -> String {
        String(decoding: Data(base64Encoded: s.trimmingCharacters(in: .whitespaces)) ?? Data(), as: UTF8.self)
    }

    static func angle(_ line: String) -> String {
        guard let o = line.firstIndex(of: "<"), let c = line.lastIndex(of: ">"), o < c else { return "" }
        return String(line[line.index(after: o)..<c])
    }
}
