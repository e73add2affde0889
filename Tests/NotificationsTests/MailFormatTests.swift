import Foundation
import Kernel
import Notifications
import Testing

/// The pure parts: templates and the RFC 5322 / SMTP text of an e-mail.
@Suite struct MailFormatTests {
    @Test func missingParametersRenderVisiblyAndUnknownTemplatesStillRender() {
        let r = NotificationTemplates.render("deadline.due-soon", params: ["clock": "24h"], language: .en)
        #expect(r.subject == "Due soon: 24h — [subject?]")
        let zh = NotificationTemplates.render("deadline.due-soon", params: [:], language: .zh)
        #expect(zh.subject.contains("[clock?]") && zh.subject.contains("[subject?]"))
        let unknown = NotificationTemplates.render("no.such", params: ["secret": "x"], language: .en)
        #expect(unknown.subject == "Notification: no.such")
        #expect(unknown.params == ["template": "no.such"])
        // A value cannot break a line (no header injection through a subject).
        let evil = NotificationTemplates.render("webhook.failing", params: ["url": "x\r\nBcc: evil@x.test", "failures": "3"], language: .en)
        #expect(!evil.subject.contains("\r") && !evil.subject.contains("\n"))
    }

    @Test func everyRequiredTemplateExistsInBothLanguagesWithTheSamePlaceholders() {
        for name in ["deadline.due-soon", "deadline.breached", "takedown.opened", "takedown.decided", "kyc.submitted", "kyc.decided",
                     "job.dead", "webhook.failing"] {
            guard let entry = NotificationTemplates.table[name] else {
                Issue.record("template \(name) missing")
                continue
            }
            func names(_ t: NotificationTemplates.Text) -> Set<String> {
                Set(NotificationTemplates.fill(t.subject + t.body, [:]).matches(of: /\[([a-zA-Z]+)\?\]/).map { String($0.1) })
            }
            #expect(names(entry.en) == names(entry.zh), "\(name)")
            #expect(!names(entry.en).isEmpty)
        }
    }

    @Test func messagesAreCRLFWithEncodedSubjectsAndDotStuffing() {
        let long = String(repeating: "合规时限已超时，请尽快处理。", count: 6)
        let m = MailMessage(from: "Tradelane 通知 <noreply@tl.test>", to: "wang@tl.cn", subject: long, body: ".leading dot\nsecond",
                            date: Date(timeIntervalSince1970: 1_772_416_800), messageId: "ntf_1@tl.test")
        let text = m.rendered()
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.contains("Date: Mon, 02 Mar 2026 02:00:00 +0000\r\n"))
        #expect(text.contains("From: =?UTF-8?B?"))
        let subjectLines = text.components(separatedBy: "\r\n").drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 1)
        var decoded = ""
        for line in subjectLines {
            let word = line.replacingOccurrences(of: "Subject: ", with: "").trimmingCharacters(in: .whitespaces)
            #expect(word.count <= 75 && word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            decoded += String(decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data(), as: UTF8.self)
        }
        #expect(decoded == long)
        #expect(MailMessage.dotStuffed(".a\n..b\nc\r\n.") == "..a\r\n...b\r\nc\r\n..\r\n")
    }

    @Test func settingsRefuseCredentialsAndNeverPrintMoreThanHostAndPort() throws {
        #expect(throws: SMTPSettings.ParseError.credentialsNeedTLS) {
            try SMTPSettings.parse(url: "smtp://user:hunter2@mail.example:587", from: "a@b.c")
        }
        #expect(throws: SMTPSettings.ParseError.invalidFrom) { try SMTPSettings.parse(url: "smtp://mail.example", from: "nobody") }
        #expect(throws: SMTPSettings.ParseError.unsupportedScheme("http")) { try SMTPSettings.parse(url: "http://mail.example", from: "a@b.c") }
        let s = try SMTPSettings.parse(url: "smtp://relay.internal:2525", from: "Ops <ops@tl.test>")
        #expect(s.host == "relay.internal" && s.port == 2525 && "\(s)" == "smtp://relay.internal:2525")
        #expect(try SMTPSettings.parse(url: "smtp://relay.internal", from: "ops@tl.test").port == 25)
        #expect(!MailMessage.isValidAddress("a@b.c>\r\nRCPT TO:<x@y.z") && MailMessage.isValidAddress("wang.li+ops@tl.cn"))
    }
}
