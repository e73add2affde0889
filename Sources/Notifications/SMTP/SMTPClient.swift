import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Sends one e-mail (issue 11 item 7).
public protocol MailSender: Sendable {
    func send(_ message: MailMessage) async throws
}

public enum SMTPError: Error, Equatable, CustomStringConvertible {
    /// No reply within the reply timeout (or no connection within the connect timeout) at `stage`.
    case timeout(stage: String)
    case connection(String)
    /// 4xx: try again later.
    case transient(code: Int, stage: String, text: String)
    /// 5xx: the server refuses for good.
    case permanent(code: Int, stage: String, text: String)
    case protocolViolation(String)
    /// TLS could not be set up or was not offered (never a fallback to plain text).
    case tls(String)
    case invalidAddress

    public var isPermanent: Bool {
        switch self {
        case .permanent, .invalidAddress: true
        default: false
        }
    }

    /// Short, and only what the server said (never the message or any configuration).
    public var description: String {
        switch self {
        case .timeout(let stage): "SMTP timeout at \(stage)"
        case .connection(let s): "SMTP connection failed: \(s)"
        case .transient(let code, let stage, let text): "SMTP \(code) at \(stage): \(text)"
        case .permanent(let code, let stage, let text): "SMTP \(code) at \(stage): \(text)"
        case .protocolViolation(let s): "SMTP protocol error: \(s)"
        case .tls(let s): "SMTP TLS error: \(s)"
        case .invalidAddress: "invalid e-mail address"
        }
    }
}

/// A small SMTP client over SwiftNIO: one connection per message; EHLO (HELO as fallback on plain SMTP), STARTTLS
/// or implicit TLS with certificate and host name checks, AUTH PLAIN or LOGIN only over TLS, MAIL, RCPT, DATA with
/// dot-stuffing, QUIT. Bounded everywhere: connect timeout, a timeout on every reply, reply lines and replies capped.
public struct SMTPMailer: MailSender {
    public let settings: SMTPSettings
    let group: any EventLoopGroup

    public init(settings: SMTPSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings; self.group = group
    }

    public func send(_ message: MailMessage) async throws {
        let from = MailMessage.address(message.from), to = MailMessage.address(message.to)
        guard MailMessage.isValidAddress(from), MailMessage.isValidAddress(to) else { throw SMTPError.invalidAddress }
        let tls = settings.security == .none ? nil : try makeTLSContext()
        let implicitTLS = settings.security == .tls ? tls : nil
        let sni = Self.serverNameIndication(settings.host)
        let reader = SMTPReplyReader()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(settings.connectTimeout * 1000)))
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture {
                        if let implicitTLS {
                            try ch.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: implicitTLS, serverHostname: sni))
                        }
                        try ch.pipeline.syncOperations.addHandler(reader)
                    }
                }
                .connect(host: settings.host, port: settings.port).get()
        } catch ChannelError.connectTimeout(_) {
            throw SMTPError.timeout(stage: "connect")
        } catch {
            throw SMTPError.connection(String(describing: type(of: error)))
        }
        let session = Session(channel: channel, reader: reader, timeout: .milliseconds(Int64(settings.replyTimeout * 1000)))
        do {
            try await session.expect("greeting", [220])
            var ehlo = try await session.command("EHLO \(settings.heloName)", stage: "EHLO")
            let needsEHLO = settings.security == .startTLS || settings.username != nil
            if !(200..<300).contains(ehlo.code) {
                if needsEHLO { try session.check(ehlo, stage: "EHLO", [250]) }
                try await session.run("HELO \(settings.heloName)", stage: "HELO", [250])
            }
            if settings.security == .startTLS, let tls {
                // Never fall back to plain text: no STARTTLS, no mail (and no credentials) for this server.
                guard ehlo.offers("STARTTLS") else { throw SMTPError.tls("the server does not offer STARTTLS") }
                try await session.run("STARTTLS", stage: "STARTTLS", [220])
                try await session.startTLS(tls, serverHostname: sni)
                ehlo = try await session.command("EHLO \(settings.heloName)", stage: "EHLO after STARTTLS")
                try session.check(ehlo, stage: "EHLO after STARTTLS", [250])
            }
            if let user = settings.username {
                try await session.authenticate(user: user, password: settings.password ?? "", mechanisms: ehlo.authMechanisms)
            }
            try await session.run("MAIL FROM:<\(from)>", stage: "MAIL", [250])
            try await session.run("RCPT TO:<\(to)>", stage: "RCPT", [250, 251])
            try await session.run("DATA", stage: "DATA", [354])
            try await session.write(MailMessage.dotStuffed(message.rendered()) + ".\r\n")
            try await session.expect("end of data", [250])
            // The message is accepted: a slow or failing QUIT changes nothing.
            _ = try? await session.command("QUIT", stage: "QUIT")
            try? await channel.close()
        } catch {
            try? await channel.close()
            throw error
        }
    }

    func makeTLSContext() throws -> NIOSSLContext {
        do {
            var config = TLSConfiguration.makeClientConfiguration()
            config.minimumTLSVersion = .tlsv12
            if let pem = settings.trustRootsPEM {
                config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
            }
            return try NIOSSLContext(configuration: config)
        } catch {
            throw SMTPError.tls("TLS set-up failed (\(type(of: error)))")
        }
    }

    /// SNI carries names only; an IP address is checked against the certificate's IP entries instead.
    static func serverNameIndication(_ host: String) -> String? {
        host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
    }

    struct Session {
        let channel: any Channel
        let reader: SMTPReplyReader
        let timeout: TimeAmount

        func write(_ text: String) async throws {
            do { try await channel.writeAndFlush(ByteBuffer(string: text)) } catch { throw SMTPError.connection("write failed") }
        }

        func reply(_ stage: String) async throws -> SMTPReply {
            let loop = channel.eventLoop
            return try await loop.flatSubmit { [reader, timeout] in reader.next(stage: stage, timeout: timeout, on: loop) }.get()
        }

        func command(_ line: String, stage: String) async throws -> SMTPReply {
            try await write(line + "\r\n")
            return try await reply(stage)
        }

        func run(_ line: String, stage: String, _ accepted: Set<Int>) async throws {
            try check(try await command(line, stage: stage), stage: stage, accepted)
        }

        func expect(_ stage: String, _ accepted: Set<Int>) async throws {
            try check(try await reply(stage), stage: stage, accepted)
        }

        func check(_ r: SMTPReply, stage: String, _ accepted: Set<Int>) throws {
            if accepted.contains(r.code) { return }
            let text = String(r.lines.joined(separator: " ").prefix(200))
            if (400..<500).contains(r.code) { throw SMTPError.transient(code: r.code, stage: stage, text: text) }
            if (500..<600).contains(r.code) { throw SMTPError.permanent(code: r.code, stage: stage, text: text) }
            throw SMTPError.protocolViolation("unexpected \(r.code) at \(stage)")
        }

        /// Puts TLS in front of the reply reader; whatever the server sent in clear before is dropped (RFC 3207 §4.2).
        func startTLS(_ context: NIOSSLContext, serverHostname: String?) async throws {
            try await channel.eventLoop.submit { [channel, reader] in
                reader.reset()
                let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            }.get()
        }

        /// AUTH PLAIN when offered, else LOGIN. Stages name the step only; the credentials never reach an error.
        func authenticate(user: String, password: String, mechanisms: Set<String>) async throws {
            func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
            if mechanisms.contains("PLAIN") {
                try await run("AUTH PLAIN " + b64([0] + Array(user.utf8) + [0] + Array(password.utf8)), stage: "AUTH", [235])
            } else if mechanisms.contains("LOGIN") {
                try await run("AUTH LOGIN", stage: "AUTH", [334])
                try await run(b64(Array(user.utf8)), stage: "AUTH user", [334])
                try await run(b64(Array(password.utf8)), stage: "AUTH password", [235])
            } else {
                throw SMTPError.protocolViolation("the server offers neither AUTH PLAIN nor AUTH LOGIN")
            }
        }
    }
}

/// One server reply: the code and the text of each line.
struct SMTPReply: Sendable, Equatable {
    let code: Int
    let lines: [String]

    /// An EHLO keyword (the first word of a line after the greeting line).
    func offers(_ keyword: String) -> Bool {
        lines.dropFirst().contains { $0.split(separator: " ").first.map { $0.uppercased() == keyword } ?? false }
    }

    /// The SASL mechanisms of the EHLO `AUTH` line.
    var authMechanisms: Set<String> {
        guard let line = lines.dropFirst().first(where: { $0.uppercased().hasPrefix("AUTH ") }) else { return [] }
        return Set(line.split(separator: " ").dropFirst().map { $0.uppercased() })
    }
}

/// Splits the server's bytes into replies (multi-line `250-…` up to `250 …`) and hands them out one at a time.
/// Lives on its channel's event loop: every method runs there, hence `@unchecked Sendable`.
final class SMTPReplyReader: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    static let maxLine = 2048
    static let maxLinesPerReply = 100
    static let maxQueued = 16

    private var pending: [UInt8] = []
    private var lines: [String] = []
    private var ready: [Result<SMTPReply, SMTPError>] = []
    private var waiter: (id: Int, promise: EventLoopPromise<SMTPReply>)?
    private var nextId = 0
    private var closed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(pending[..<nl])
            pending.removeFirst(nl + 1)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            parse(String(decoding: line, as: UTF8.self), context: context)
        }
        if pending.count > Self.maxLine { fail(.protocolViolation("reply line too long"), context: context) }
    }

    private func parse(_ line: String, context: ChannelHandlerContext) {
        let chars = Array(line)
        guard chars.count >= 3, let code = Int(String(chars[0..<3])), (200...599).contains(code) else {
            return fail(.protocolViolation("malformed reply"), context: context)
        }
        let more = chars.count > 3 && chars[3] == "-"
        lines.append(chars.count > 4 ? String(chars[4...]) : "")
        if more {
            if lines.count > Self.maxLinesPerReply { fail(.protocolViolation("reply too long"), context: context) }
            return
        }
        deliver(.success(SMTPReply(code: code, lines: lines)))
        lines = []
    }

    private func deliver(_ result: Result<SMTPReply, SMTPError>) {
        if let w = waiter {
            waiter = nil
            w.promise.completeWith(result.mapError { $0 as any Error })
        } else if ready.count < Self.maxQueued {
            ready.append(result)
        }
    }

    private func fail(_ error: SMTPError, context: ChannelHandlerContext) {
        guard !closed else { return }
        closed = true
        deliver(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !closed {
            closed = true
            deliver(.failure(.connection("closed by server")))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIOSSL's errors say what failed in the handshake (certificate, host name); they hold no secrets.
        fail(.connection(String(String(describing: error).prefix(200))), context: context)
    }

    /// Drops everything received so far (before TLS starts).
    func reset() {
        pending = []
        lines = []
        ready = []
    }

    /// The next reply, or a timeout error after `timeout`. Call on the event loop.
    func next(stage: String, timeout: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        if !ready.isEmpty { return loop.makeCompletedFuture(ready.removeFirst().mapError { $0 as any Error }) }
        if closed { return loop.makeFailedFuture(SMTPError.connection("closed")) }
        let promise = loop.makePromise(of: SMTPReply.self)
        nextId += 1
        let id = nextId
        waiter = (id, promise)
        let timer = loop.scheduleTask(in: timeout) { [self] in
            if let w = waiter, w.id == id {
                waiter = nil
                w.promise.fail(SMTPError.timeout(stage: stage))
            }
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }
}
