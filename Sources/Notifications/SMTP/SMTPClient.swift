import Foundation
import NIOCore
import NIOPosix

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
        case .invalidAddress: "invalid e-mail address"
        }
    }
}

/// A small SMTP client over SwiftNIO: one connection per message, EHLO (HELO as fallback), MAIL, RCPT, DATA with
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
        let reader = SMTPReplyReader()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(settings.connectTimeout * 1000)))
                .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(reader) } }
                .connect(host: settings.host, port: settings.port).get()
        } catch ChannelError.connectTimeout(_) {
            throw SMTPError.timeout(stage: "connect")
        } catch {
            throw SMTPError.connection(String(describing: type(of: error)))
        }
        let session = Session(channel: channel, reader: reader, timeout: .milliseconds(Int64(settings.replyTimeout * 1000)))
        do {
            try await session.expect("greeting", [220])
            let ehlo = try await session.command("EHLO \(settings.heloName)", stage: "EHLO")
            if !(200..<300).contains(ehlo.code) {
                try await session.run("HELO \(settings.heloName)", stage: "HELO", [250])
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
    }
}

/// One server reply: the code and the text of each line.
struct SMTPReply: Sendable, Equatable {
    let code: Int
    let lines: [String]
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
        fail(.connection(String(describing: type(of: error))), context: context)
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
