import Foundation
import Notifications
import Testing
import TestSupport

/// SMTP with STARTTLS and AUTH (issue 11 item 7): credentials only ever travel inside TLS, a server that does not
/// offer STARTTLS or shows an untrusted certificate gets nothing.
@Suite struct SMTPTLSTests {
    static let message = MailMessage(from: "Tradelane <noreply@tl.test>", to: "wang@tl.cn", subject: "已超时：24h 时限", body: "正文\n.点开头",
                                     date: Date(timeIntervalSince1970: 1_772_416_800), messageId: "ntf_x@tl.test")

    static func with(_ sink: SMTPSink, _ body: (SMTPSink) async throws -> Void) async throws {
        do { try await body(sink) } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }

    static func settings(_ sink: SMTPSink, scheme: String = "smtp+starttls", user: String = "relay-user",
                         password: String = "p%40ss%20w%C3%B6rd", trusted: Bool = true) throws -> SMTPSettings {
        var s = try SMTPSettings.parse(url: "\(scheme)://\(user):\(password)@127.0.0.1:\(sink.port)", from: "Tradelane <noreply@tl.test>")
        s.trustRootsPEM = trusted ? SinkCertificate.certificatePEM : nil
        s.replyTimeout = 5
        return s
    }

    @Test func startTLSThenAuthPlainDeliversInsideTLS() async throws {
        try await Self.with(try await SMTPSink.start(startTLS: true, credentials: ("relay-user", "p@ss wörd"))) { sink in
            let settings = try Self.settings(sink)
            #expect(settings.security == .startTLS && settings.password == "p@ss wörd")
            #expect(!"\(settings)".contains("p@ss") && !"\(settings)".contains("relay-user"))
            try await SMTPMailer(settings: settings).send(Self.message)
            let got = try #require(sink.messages.first)
            #expect(got.tls && got.user == "relay-user" && sink.clearTextAuthAttempts == 0)
            #expect(got.subject == "已超时：24h 时限" && got.bodyText.hasPrefix("正文\r\n.点开头"))
        }
    }

    @Test func smtpsSpeaksTLSFromTheFirstByte() async throws {
        try await Self.with(try await SMTPSink.start(implicitTLS: true, credentials: ("relay-user", "p@ss wörd"))) { sink in
            let settings = try Self.settings(sink, scheme: "smtps")
            #expect(settings.security == .tls)
            try await SMTPMailer(settings: settings).send(Self.message)
            #expect(sink.messages.first?.tls == true && sink.messages.first?.user == "relay-user")
        }
    }

    @Test func authLoginIsUsedWhenPlainIsNotOffered() async throws {
        try await Self.with(try await SMTPSink.start(startTLS: true, credentials: ("relay-user", "p@ss wörd"), mechanisms: ["LOGIN"])) { sink in
            try await SMTPMailer(settings: try Self.settings(sink)).send(Self.message)
            #expect(sink.messages.first?.user == "relay-user")
        }
    }

    @Test func aServerWithoutSTARTTLSGetsNeitherMailNorCredentials() async throws {
        try await Self.with(try await SMTPSink.start(startTLS: false, credentials: ("relay-user", "p@ss wörd"))) { sink in
            await #expect(throws: SMTPError.tls("the server does not offer STARTTLS")) {
                try await SMTPMailer(settings: try Self.settings(sink)).send(Self.message)
            }
            #expect(sink.messages.isEmpty && sink.clearTextAuthAttempts == 0)
        }
    }

    @Test func anUntrustedCertificateStopsTheConversation() async throws {
        try await Self.with(try await SMTPSink.start(startTLS: true, credentials: ("relay-user", "p@ss wörd"))) { sink in
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPMailer(settings: try Self.settings(sink, trusted: false)).send(Self.message)
            }
            #expect(error?.isPermanent == false)
            #expect(sink.messages.isEmpty && sink.clearTextAuthAttempts == 0)
        }
    }

    @Test func aWrongPasswordIsAPermanentRefusalThatNamesNoSecret() async throws {
        try await Self.with(try await SMTPSink.start(startTLS: true, credentials: ("relay-user", "p@ss wörd"))) { sink in
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPMailer(settings: try Self.settings(sink, password: "wrong-secret")).send(Self.message)
            }
            #expect(error?.isPermanent == true && error.map { !"\($0)".contains("wrong-secret") } == true)
            #expect(sink.messages.isEmpty)
        }
    }
}
