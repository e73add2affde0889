import Foundation
import Kernel
import Logging
import SQLKit

/// The notification module's use cases (issue 11 item 7, K7): `notify` records notifications in the caller's
/// transaction and queues their e-mail delivery there too, so a rolled-back change announces nothing; the inbox
/// reads and marks one user's own notifications only.
public struct NotificationService: Notifier {
    public static let emailJobKind = "notifications.email"
    /// E-mail bodies carrying `secretParams` are stored as this prefix + FieldCipher box.
    static let sealedPrefix = "sealed:"
    static let sealContext = "notification.email"

    public let db: Database
    public let clock: any WallClock
    let directory: any UserDirectory
    let jobs: JobQueue
    /// Nil: no e-mail (inbox only).
    let smtp: SMTPSettings?
    let mailer: (any MailSender)?
    /// Seals e-mails that carry `secretParams` (nil: such requests are refused).
    let cipher: FieldCipher?
    let store = NotificationStore()
    let audit: AuditLog
    static let actor = "system:notifications"
    /// E-mail attempts before a notification is dead (retries back off exponentially, see `RetryPolicy`).
    public var emailMaxAttempts = 6

    public init(db: Database, clock: any WallClock, directory: any UserDirectory, jobs: JobQueue, smtp: SMTPSettings?,
                mailer: (any MailSender)? = nil, cipher: FieldCipher? = nil) {
        self.db = db; self.clock = clock; self.directory = directory; self.jobs = jobs; self.smtp = smtp; self.cipher = cipher
        self.mailer = mailer ?? smtp.map { SMTPMailer(settings: $0) }
        audit = AuditLog(clock: clock)
    }

    public var emailEnabled: Bool { smtp != nil && mailer != nil }

    struct EmailJob: Codable { let notificationId: String }

    // MARK: notify

    public func notify(_ request: NotificationRequest, in sql: any SQLDatabase) async throws {
        try Self.validate(request)
        var users: [UserID: DirectoryUser] = [:]
        for recipient in request.recipients {
            for user in try await directory.resolve(recipient, in: sql) where Self.mayReceive(user, recipient, request) {
                users[user.id] = user
            }
        }
        let now = clock.now()
        let link = EntityLink.path(entity: request.entity, id: request.entityId)
        var created: [NotificationID] = []
        var emails = 0
        for user in users.values.sorted(by: { $0.id < $1.id }) {
            let secrets = request.secretParams ?? [:]
            // The inbox shows where a secret went, never the secret; only the sealed e-mail carries it.
            let text = NotificationTemplates.render(request.template, params: request.params.merging(secrets.mapValues { _ in
                user.language == .zh ? "（已通过邮件发送）" : "(sent by e-mail)" }) { a, _ in a }, language: user.language)
            func make(_ channel: UserNotification.Channel, _ state: UserNotification.State, body: String? = nil) -> UserNotification {
                UserNotification(id: .generate(), userId: user.id, merchantId: user.merchantId, channel: channel, language: user.language,
                             template: request.template, params: channel == .email ? text.params.filter { secrets[$0.key] == nil } : text.params, subject: text.subject,
                             body: body ?? text.body,
                             entity: request.entity, entityId: request.entityId, link: link, state: state, readAt: nil,
                             attempts: 0, lastError: nil, dedupeKey: request.dedupeKey, createdAt: now, updatedAt: now,
                             sentAt: state == .sent ? now : nil)
            }
            // The inbox is the delivery itself: sent on commit, unread until the user reads it.
            let inbox = make(.inbox, .sent)
            guard try await store.insert(inbox, in: sql) else { continue }   // dedupe key seen: no-op
            created.append(inbox.id)
            guard emailEnabled, MailMessage.isValidAddress(user.email), secrets.isEmpty || cipher != nil else { continue }
            var sealedBody: String?
            if !secrets.isEmpty, let cipher {
                let full = NotificationTemplates.render(request.template, params: request.params.merging(secrets) { _, b in b }, language: user.language)
                sealedBody = Self.sealedPrefix + (try cipher.seal(full.body, context: Self.sealContext))
            }
            let email = make(.email, .pending, body: sealedBody)
            if try await store.insert(email, in: sql) {
                emails += 1
                try await jobs.enqueue(kind: Self.emailJobKind, EmailJob(notificationId: email.id.rawValue), maxAttempts: emailMaxAttempts,
                                       dedupeKey: "notification:\(email.id.rawValue)", in: sql)
            }
        }
        // K5: one audit entry per announcement (who heard, not what the parameters said).
        guard let first = created.first else { return }
        try await audit.append(AuditEvent(actor: Self.actor, merchantId: request.merchantId, action: "notification.sent",
                                          entity: request.entity ?? "notification", entityId: request.entityId ?? first.rawValue,
                                          data: ["template": request.template, "users": String(created.count), "emails": String(emails),
                                                 "dedupeKey": request.dedupeKey ?? ""]), in: sql)
    }

    /// The tenant wall, checked again here whatever the directory answered: an operator user only for an operator
    /// role or by name; a merchant's user only when the subject belongs to that merchant (or to no merchant, and the
    /// user was named or their merchant's role was).
    static func mayReceive(_ user: DirectoryUser, _ recipient: NotificationRecipient, _ request: NotificationRequest) -> Bool {
        switch recipient {
        case .role(let role, let merchantId):
            guard user.role == role else { return false }
            if role.isOperator { return user.merchantId == nil }
            guard let merchantId, user.merchantId == merchantId else { return false }
            return request.merchantId == nil || request.merchantId == merchantId
        case .user(let id):
            guard user.id == id else { return false }
            guard let own = user.merchantId else { return user.role.isOperator }
            return request.merchantId == nil || request.merchantId == own
        }
    }

    static func validate(_ r: NotificationRequest) throws(ValidationError) {
        var errors: [FieldError] = []
        func bad(_ field: String, _ en: String, _ zh: String) {
            errors.append(FieldError(field: field, code: "invalid", message: LocalizedText(en: en, zh: zh)))
        }
        if r.recipients.isEmpty || r.recipients.count > NotificationLimits.maxRecipients {
            bad("recipients", "Between 1 and \(NotificationLimits.maxRecipients) recipients.", "收件人须为 1 至 \(NotificationLimits.maxRecipients) 个。")
        }
        if r.template.isEmpty || r.template.count > NotificationLimits.maxTemplateLength { bad("template", "Template name missing or too long.", "模板名称缺失或过长。") }
        if r.params.count > NotificationLimits.maxParams || r.params.contains(where: { $0.value.count > NotificationLimits.maxParamLength || $0.key.count > 100 }) {
            bad("params", "Too many or too long parameters.", "参数过多或过长。")
        }
        if let secrets = r.secretParams, secrets.count > 4 || secrets.contains(where: { $0.value.count > NotificationLimits.maxParamLength }) {
            bad("secretParams", "Too many or too long secret parameters.", "保密参数过多或过长。")
        }
        if let key = r.dedupeKey, key.isEmpty || key.count > NotificationLimits.maxDedupeKeyLength { bad("dedupeKey", "Dedupe key empty or too long.", "去重键为空或过长。") }
        if !errors.isEmpty { throw ValidationError(errors) }
    }

    // MARK: e-mail delivery

    /// The job handler that sends e-mail: outside any transaction (an SMTP conversation must not hold one), at least
    /// once, skipping notifications already sent. The lease covers the worst case of every timeout in a row.
    public var handlers: [JobHandler] {
        let lease = smtp.map { $0.connectTimeout + 14 * $0.replyTimeout + 30 } ?? 300
        return [JobHandler(kind: Self.emailJobKind, mode: .outsideTransaction, lease: lease) { [self] job, sql in
            try await deliver(job, reading: sql)
        }]
    }

    func deliver(_ job: Job, reading sql: any SQLDatabase) async throws {
        let payload = try job.decode(EmailJob.self)
        guard let n = try await store.get(payload.notificationId, in: sql), n.channel == .email else { return }
        guard n.state == .pending || n.state == .failed else { return }
        guard let smtp, let mailer else { return try await record(n, .dead, attempts: job.attempts, error: "e-mail is not configured") }
        // Today's address (a disabled user gets nothing; a changed address is used).
        guard let user = try await directory.resolve(.user(n.userId), in: sql).first, MailMessage.isValidAddress(user.email) else {
            return try await record(n, .dead, attempts: job.attempts, error: "recipient disabled or without e-mail address")
        }
        let domain = MailMessage.address(smtp.from).split(separator: "@").last.map(String.init) ?? "tradelane"
        var body = n.body
        if body.hasPrefix(Self.sealedPrefix) {
            guard let cipher, let opened = try? cipher.open(String(body.dropFirst(Self.sealedPrefix.count)), context: Self.sealContext) else {
                return try await record(n, .dead, attempts: job.attempts, error: "sealed e-mail cannot be opened")
            }
            body = opened
        }
        let message = MailMessage(from: smtp.from, to: user.email, subject: n.subject, body: body + Self.footer(n.language),
                                  date: clock.now(), messageId: "\(n.id.rawValue)@\(domain)")
        do {
            try await mailer.send(message)
        } catch {
            let text = (error as? SMTPError)?.description ?? "send failed (\(type(of: error)))"
            if let smtpError = error as? SMTPError, smtpError.isPermanent {
                // Refused for good (unknown mailbox, policy): retrying would not help; the record says why.
                return try await record(n, .dead, attempts: job.attempts, error: text)
            }
            try await record(n, job.attempts >= job.maxAttempts ? .dead : .failed, attempts: job.attempts, error: text)
            throw error
        }
        try await record(n, .sent, attempts: job.attempts, error: nil)
    }

    static func footer(_ lang: Language) -> String {
        lang == .zh ? "\n\n—\n本邮件由 Tradelane 自动发送，请登录控制台查看“通知”。" : "\n\n—\nSent by Tradelane. See Notifications in the console."
    }

    /// Records an attempt's outcome; an e-mail given up on is audited (K5), with the server's answer.
    func record(_ n: UserNotification, _ state: UserNotification.State, attempts: Int, error: String?) async throws {
        let now = clock.now()
        try await db.transaction { [store, audit] sql in
            try await store.record(n.id.rawValue, state: state, attempts: attempts, error: error, at: now, in: sql)
            if state == .dead {
                try await audit.append(AuditEvent(actor: Self.actor, merchantId: n.merchantId, action: "notification.dead",
                                                  entity: "notification", entityId: n.id.rawValue,
                                                  data: ["channel": n.channel.rawValue, "attempts": String(attempts),
                                                         "error": String((error ?? "").prefix(200))]), in: sql)
            }
        }
    }

    // MARK: inbox

    /// The caller's own inbox (or e-mail delivery records), newest first; `after` is the id of the last item of the
    /// previous page.
    public func list(channel: UserNotification.Channel = .inbox, unreadOnly: Bool = false, limit: Int = 50, after: String? = nil,
                     by p: Principal) async throws -> Page<UserNotification> {
        guard let userId = p.userId else { return Page(items: [], next: nil) }
        let limit = min(max(limit, 1), 200)
        return try await db.read { [store] sql in
            var cursor: UserNotification?
            if let after {
                guard let row = try await store.get(after, in: sql), row.userId == userId, row.channel == channel else {
                    throw ValidationError.invalidCursor()
                }
                cursor = row
            }
            let rows = try await store.list(userId: userId, channel: channel, unreadOnly: unreadOnly, limit: limit + 1, after: cursor, in: sql)
            return Page.of(rows, limit: limit) { $0.id.rawValue }
        }
    }

    /// One of the caller's own notifications (any channel); another's is "not found", not "forbidden".
    public func get(_ id: String, by p: Principal) async throws -> UserNotification {
        let n = try await db.read { [store] in try await store.get(id, in: $0) }
        guard let n, let userId = p.userId, n.userId == userId else { throw CommonError.notFound(entity: "notification", id: id) }
        return n
    }

    public func unreadCount(by p: Principal) async throws -> Int {
        guard let userId = p.userId else { return 0 }
        return try await db.read { [store] in try await store.unreadCount(userId: userId, in: $0) }
    }

    @discardableResult
    public func markRead(_ id: String, by p: Principal) async throws -> UserNotification {
        let now = clock.now()
        return try await db.transaction { [store] sql in
            guard let n = try await store.get(id, in: sql), let userId = p.userId, n.userId == userId, n.channel == .inbox else {
                throw CommonError.notFound(entity: "notification", id: id)
            }
            try await store.markRead(id: id, userId: userId, at: now, in: sql)
            return try await store.get(id, in: sql) ?? n
        }
    }

    public func markAllRead(by p: Principal) async throws {
        guard let userId = p.userId else { return }
        let now = clock.now()
        try await db.transaction { [store] sql in try await store.markAllRead(userId: userId, at: now, in: sql) }
    }
}

/// Notifications as a platform module (issue 11 item 7): e-mail deliveries run on Kernel's job queue.
extension NotificationService: PlatformModule {
    public var name: String { "notifications" }
    public var migrations: [Migration] { NotificationsMigrations.all }
    public var jobHandlers: [JobHandler] { handlers }
    public var personalDataProviders: [any PersonalDataProvider] { [NotificationsPersonalData()] }
}
