import Foundation
import Hummingbird
import Kernel
import Notifications
import Parties

/// People who use the console (issue 12 item 8, K3): who has which role, inviting someone by e-mail, changing a role,
/// deactivating and reactivating; and the page where an invited person chooses a password. Permission checks are
/// Parties' own (`usersRead`, `usersManage`, `RolePolicy`); this page only shows what they allow.
struct UsersPage {
    let routes: ConsoleRoutes
    var parties: PartiesServices { routes.parties }

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("users", use: list)
        console.post("users", use: invite)
        console.post("users/:id/role", use: changeRole)
        console.post("users/:id/disable", use: { r, c in try await setDisabled(r, c, true) })
        console.post("users/:id/enable", use: { r, c in try await setDisabled(r, c, false) })
        console.post("users/:id/reinvite", use: reinvite)
        console.get("invite/:token", use: acceptForm)
        console.post("invite/:token", use: accept)
    }

    // MARK: list and invite

    func list(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try await render(r, c, form: FormState())
    }

    func render(_ r: Request, _ c: AppRequestContext, form: FormState, status: HTTPResponse.Status = .ok) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let q = Query(request: r)
        let role = try q.enumValue("role", Role.self)
        let search = q.string("q")
        let page = try await parties.users.list(merchantId: nil, role: role, search: search, limit: ConsolePaging.pageSize,
                                                after: q.string("after"), by: p)
        let invitations = try await parties.invitations.latest(for: page.items.map(\.id))
        let names = await routes.merchantNames(by: p)
        let now = routes.services.clock.now()
        let grantable = Role.allCases.filter { role in
            PermissionTable.scope(of: .usersManage, for: p.role) == .all || (!role.isOperator && p.can(.usersManage))
        }
        let mayManage = p.can(.usersManage)
        let rows: [UsersPageModel.Row] = page.items.map { u in
            let invitation = invitations[u.id]
            let pending = invitation.map { $0.acceptedAt == nil } ?? false
            let state: (String, LocalizedText) = u.disabled ? ("disabled", .init(en: "Deactivated", zh: "已停用"))
                : pending ? (invitation!.isOpen(at: now) ? ("invited", .init(en: "Invited", zh: "已邀请")) : ("expired", .init(en: "Invitation expired", zh: "邀请已过期")))
                : ("active", .init(en: "Active", zh: "正常"))
            let mayEdit = mayManage && u.id != p.userId && RolePolicy.mayGrant(u.role, merchantId: u.merchantId, by: p)
            return .init(id: u.id.rawValue, name: u.displayName, email: u.email, role: u.role.label(lang),
                         merchant: u.merchantId.map { names[$0.rawValue] ?? $0.rawValue } ?? "—",
                         merchantId: u.merchantId?.rawValue ?? "", state: state.0, stateLabel: state.1(lang),
                         createdAt: routes.date(u.createdAt, lang), isSelf: u.id == p.userId,
                         mayEdit: mayEdit, disabled: u.disabled, pending: pending && !u.disabled,
                         roles: mayEdit ? Role.allCases.filter { $0.isOperator == u.role.isOperator && RolePolicy.mayGrant($0, merchantId: u.merchantId, by: p) }
                            .map { Option(value: $0.rawValue, label: $0.label(lang), selected: $0 == u.role) } : [],
                         confirmDisable: LocalizedText(
                            en: "Deactivate \(u.displayName) (\(u.email))? They are signed out at once and their API keys stop working.",
                            zh: "停用 \(u.displayName)（\(u.email)）？其登录将立即失效，其 API 密钥也将停止工作。")(lang))
        }
        let merchantChoices = p.role.isOperator
            ? names.sorted { $0.value.localizedCompare($1.value) == .orderedAscending }.map { Choice(value: "\($0.value) · \($0.key)", label: $0.value) }
            : []
        var model = UsersPageModel(
            rows: rows, q: search ?? "",
            roleFilter: Role.allCases.filter { p.role.isOperator || !$0.isOperator }.map { Option(value: $0.rawValue, label: $0.label(lang), selected: $0 == role) },
            mayInvite: mayManage, grantable: grantable.map { Option(value: $0.rawValue, label: $0.label(lang), selected: form.fields["role"]?.value == $0.rawValue) },
            isOperator: p.role.isOperator, merchantChoices: merchantChoices, form: form,
            languages: [Option(value: "zh-CN", label: "中文", selected: (form.fields["language"]?.value ?? lang.rawValue) == "zh-CN"),
                        Option(value: "en", label: "English", selected: (form.fields["language"]?.value ?? lang.rawValue) == "en")])
        model.nextHref = ConsolePaging.nextHref(r, next: page.next)
        if let link = r.cookies[Self.linkCookie]?.value, !link.isEmpty { model.newLink = link }
        var response = routes.page(model, c, r, status: status)
        response.setCookie(Cookie(name: Self.linkCookie, value: "", maxAge: 0, path: "/console/users", httpOnly: true, sameSite: .strict))
        return response
    }

    /// The link is shown to the inviting admin once (when no e-mail goes out, it is the only way to pass it on).
    static let linkCookie = "tl_invite_link"

    func invite(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        do {
            let sent = try await parties.invitations.invite(
                UserInput(email: f["email"], displayName: f["displayName"], role: f["role"], merchantId: Self.merchantId(f["merchant"]),
                          language: f["language"]), linkBase: routes.services.config.publicBase, by: s.principal)
            let emailed = routes.services.notifications.emailEnabled
            let message = LocalizedText(
                en: emailed ? "Invited \(sent.user.displayName); the link was e-mailed to \(sent.user.email) and is valid for 7 days."
                    : "Invited \(sent.user.displayName). E-mail is not set up: pass on the link below (shown once, valid for 7 days).",
                zh: emailed ? "已邀请 \(sent.user.displayName)，邀请链接已发送至 \(sent.user.email)，7 天内有效。"
                    : "已邀请 \(sent.user.displayName)。平台未配置邮件，请将下方链接转交本人（仅显示一次，7 天内有效）。")(c.language)
            return showLinkOnce(routes.redirect("/console/users", flash: Flash(message: message, isError: false)), sent.link, unless: emailed)
        } catch let e as any AppError {
            var form = FormState(f, error: e, language: c.language)
            if let merchantError = form.fields["merchantId"]?.error {
                form.fields["merchant"] = .init(value: f["merchant"] ?? "", error: merchantError)
                form.fields["merchantId"] = nil
            }
            return try await render(r, c, form: form, status: .unprocessableContent)
        }
    }

    /// When no e-mail goes out, the next page load shows the link once (a short-lived, HttpOnly, path-bound cookie).
    func showLinkOnce(_ response: Response, _ link: String, unless emailed: Bool) -> Response {
        guard !emailed else { return response }
        var response = response
        response.setCookie(Cookie(name: Self.linkCookie, value: link, maxAge: 60, path: "/console/users",
                                  secure: routes.services.config.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    /// The merchant picker sends "Name · mer_…" (type-ahead over names); the id is its last part.
    static func merchantId(_ picked: String?) -> String? {
        guard let picked = picked?.trimmingCharacters(in: .whitespaces), !picked.isEmpty else { return nil }
        return picked.components(separatedBy: " · ").last.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func changeRole(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id: UserID = try c.pathID()
        let f = try await routes.form(r, c)
        let user = try await parties.users.get(id, by: s.principal)
        return try await routes.command(c, back: "/console/users", ok: { lang in
            let role = Role(rawValue: f["role"] ?? "")?.label(lang) ?? ""
            return lang == .zh ? "\(user.displayName) 的角色已改为“\(role)”。" : "\(user.displayName) is now \(role)."
        }) {
            _ = try await parties.users.update(id, UserInput(role: f["role"]), by: s.principal)
        }
    }

    func setDisabled(_ r: Request, _ c: AppRequestContext, _ disabled: Bool) async throws -> Response {
        let s = try routes.session(c)
        let id: UserID = try c.pathID()
        let user = try await parties.users.get(id, by: s.principal)
        return try await routes.command(c, back: "/console/users", ok: { lang in
            disabled ? (lang == .zh ? "已停用 \(user.displayName)。" : "Deactivated \(user.displayName).")
                : (lang == .zh ? "已恢复 \(user.displayName)。" : "Reactivated \(user.displayName).")
        }) {
            _ = try await parties.users.update(id, UserInput(disabled: disabled), by: s.principal)
        }
    }

    func reinvite(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id: UserID = try c.pathID()
        do {
            let sent = try await parties.invitations.resend(id, linkBase: routes.services.config.publicBase, by: s.principal)
            let emailed = routes.services.notifications.emailEnabled
            return showLinkOnce(routes.redirect("/console/users", flash: Flash(message: LocalizedText(
                en: "New invitation link for \(sent.user.displayName); the old one no longer works.",
                zh: "已为 \(sent.user.displayName) 生成新的邀请链接，旧链接已失效。")(c.language), isError: false)), sent.link, unless: emailed)
        } catch let e as any AppError {
            return routes.redirect("/console/users", flash: Flash(message: e.detail(c.language), isError: true))
        }
    }

    // MARK: accepting an invitation (no session yet)

    func acceptForm(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try await acceptPage(r, c, form: FormState())
    }

    func acceptPage(_ r: Request, _ c: AppRequestContext, form: FormState, status: HTTPResponse.Status = .ok) async throws -> Response {
        let token = try c.parameters.require("token")
        let csrf = r.cookies[ConsoleRoutes.loginCSRFCookie].flatMap { $0.value.isEmpty ? nil : $0.value } ?? RandomToken.make()
        var model = InvitePageModel(loginCsrf: csrf, csrf: csrf, token: token, form: form)
        if let signedIn = c.session {
            model.invalid = LocalizedText(en: "You are signed in as \(signedIn.user.email). Sign out first, then open the invitation link again.",
                                          zh: "您当前以 \(signedIn.user.email) 登录。请先退出登录，再重新打开邀请链接。")(c.language)
            return routes.page(model, c, r, status: .conflict)
        }
        do {
            let (_, user) = try await parties.invitations.pending(token: token)
            model.name = user.displayName
            model.email = user.email
            model.role = user.role.label(c.language)
        } catch let e as any AppError {
            model.invalid = e.detail(c.language)
        }
        var response = routes.page(model, c, r, status: model.invalid == nil ? status : .gone)
        response.setCookie(Cookie(name: ConsoleRoutes.loginCSRFCookie, value: csrf, maxAge: 3600, path: "/console",
                                  secure: routes.services.config.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func accept(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let token = try c.parameters.require("token")
        let f = try await routes.form(r, c)
        guard let cookie = r.cookies[ConsoleRoutes.loginCSRFCookie]?.value, !cookie.isEmpty, let sent = f["_csrf"],
              ConstantTime.equal(sent, cookie) else { throw ConsoleError.badCSRF }
        do {
            let user = try await parties.invitations.accept(token: token, password: f["password"], confirmation: f["confirmation"])
            return routes.redirect("/console/login", flash: Flash(message: LocalizedText(
                en: "Welcome, \(user.displayName). Your password is set: sign in with \(user.email).",
                zh: "欢迎，\(user.displayName)。密码已设置，请使用 \(user.email) 登录。")(c.language), isError: false))
        } catch let e as any AppError {
            return try await acceptPage(r, c, form: FormState(f, error: e, language: c.language), status: .unprocessableContent)
        }
    }
}

struct UsersPageModel: PageModel {
    static let template = "users"
    struct Row: Sendable {
        let id: String
        let name: String
        let email: String
        let role: String
        let merchant: String
        let merchantId: String
        let state: String
        let stateLabel: String
        let createdAt: String
        let isSelf: Bool
        let mayEdit: Bool
        let disabled: Bool
        let pending: Bool
        let roles: [Option]
        let confirmDisable: String
    }

    let rows: [Row]
    let q: String
    let roleFilter: [Option]
    let mayInvite: Bool
    let grantable: [Option]
    let isOperator: Bool
    let merchantChoices: [Choice]
    let form: FormState
    let languages: [Option]
    var nextHref: String?
    var newLink: String?
}

struct InvitePageModel: PageModel {
    static let template = "invite"
    static let nav = "none"
    let loginCsrf: String
    /// The pre-session token also fills the header's language forms.
    let csrf: String
    let token: String
    let form: FormState
    var name: String?
    var email: String?
    var role: String?
    var invalid: String?
}
