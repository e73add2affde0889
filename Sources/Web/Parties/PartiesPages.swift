import Foundation
import HTTPTypes
import Hummingbird
import Kernel
import NIOCore
import Compliance
import Parties

/// Parties' console pages (K1–K3): merchants and the exit procedure, the KYC review queue, API keys and the public
/// exit notices. Routes are registered in `ConsoleRoutes.register`.
extension ConsoleRoutes {
    func licenceLabel(_ state: LicenceState?, _ lang: Language) -> String {
        switch state {
        case .expired: ConsoleStrings.table["expired"]!(lang)
        case .expiringSoon: ConsoleStrings.table["expiringSoon"]!(lang)
        case .valid: ConsoleStrings.table["valid"]!(lang)
        case nil: "—"
        }
    }

    func merchantRow(_ m: Merchant, _ lang: Language) -> MerchantRow {
        let licence = parties.merchants.licenceState(m)
        return MerchantRow(id: m.id.rawValue, name: m.name, legalName: m.legalName ?? "", country: m.country,
                           contactEmail: m.contactEmail, status: m.status.rawValue, statusLabel: m.status.label(lang),
                           kycStatus: m.kycStatus?.rawValue ?? "", kycLabel: m.kycStatus?.label(lang) ?? "—",
                           licence: m.licenceExpiresOn?.description ?? "—", licenceState: licence?.rawValue ?? "",
                           licenceLabel: licenceLabel(licence, lang), hasLicence: licence != nil, createdAt: date(m.createdAt, lang),
                           noticeEnds: date(m.noticeEndsAt, lang), exitReason: m.exitReason ?? "",
                           exiting: m.status == .exiting, canExit: m.status == .active || m.status == .onboarding)
    }

    // MARK: merchants

    func merchants(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        let q = Query(request: r)
        let sort = q.string("sort") ?? "name"
        let desc = q.string("dir") == "desc"
        let status = try q.enumValue("status", MerchantStatus.self)
        let text = q.formText("q")
        // Sorted, searched and paged in SQL (issue 12 item 6); the export takes every row the filters select.
        let query = MerchantListQuery(status: status, query: text, sort: sort, descending: desc, limit: ConsolePaging.pageSize, after: q.string("after"))
        if let format = try ConsoleList.format(r) { return try await merchantsExport(query, format, c.language, by: s.principal) }
        let page = try await parties.merchants.list(query, by: s.principal)
        let keep = [("q", text), ("status", status?.rawValue)].compactMap { k, v in v.map { "\(k)=\(Self.urlEncode($0))" } }
        let headers = [("name", "name"), ("country", "country"), ("status", "status"), ("kycStatus", "kyc_status"),
                       ("licence", "licence_expires_on"), ("createdAt", "created_at")].map { label, key in
            let active = sort == key || (key == "kyc_status" && sort == "kycStatus")
            let nextDir = active && !desc ? "desc" : "asc"
            return ConsoleTable.Header(key: key, label: ConsoleStrings.table[label]!(c.language), sortable: true, active: active,
                                       arrow: active ? (desc ? "▼" : "▲") : "", ariaSort: active ? (desc ? "descending" : "ascending") : "none",
                                       href: "?" + (keep + ["sort=\(key)", "dir=\(nextDir)"]).joined(separator: "&"))
        }
        let model = MerchantsPageModel(
            rows: page.items.map { merchantRow($0, c.language) }, q: text ?? "",
            statuses: MerchantStatus.allCases.map { Option(value: $0.rawValue, label: $0.label(c.language), selected: $0 == status) },
            headers: headers, count: page.total ?? page.items.count, pager: ConsoleList.pager(r, page, c.language))
        return self.page(model, c, r)
    }

    /// Every merchant the filters select (a merchant's own file holds its own row only), as CSV or XLSX.
    func merchantsExport(_ query: MerchantListQuery, _ format: ExportFormat, _ lang: Language, by p: Principal) async throws -> Response {
        let t = { (key: String) in ConsoleStrings.text(key, lang) }
        var table = ExportTable(name: "merchants", headers: ["ID", t("name"), t("legalName"), t("country"), t("status"), t("kycStatus"),
                                                             t("licence"), t("createdAt")])
        let request = ListRequest(sort: query.sort, descending: query.descending, search: query.query, limit: 200)
        try await ConsoleList.collect(request, into: &table, fetch: { req in
            var q = query
            q.after = req.after
            q.limit = 200
            return try await parties.merchants.list(q, by: p)
        }) { m in
            [m.id.rawValue, m.name, m.legalName ?? "", m.country, m.status.label(lang), m.kycStatus?.label(lang) ?? "",
             m.licenceExpiresOn?.description ?? "", m.createdAt.rfc3339]
        }
        return try ConsoleList.download(table, format, routes: self)
    }

    static func urlEncode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    func merchant(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        let id: MerchantID = try c.pathID()
        let p = s.principal
        let lang = c.language
        let m = try await parties.merchants.get(id, by: p)
        // Each part only for a role that may read it, so the page never answers 403 for what it merely links to.
        let subs = p.can(.kycRead) ? try await parties.kyc.list(status: nil, merchantId: id, limit: 50, after: nil, by: p).items : []
        let listings = try await services.listings.list(ListingFilter(merchantId: id), limit: 20, after: nil, by: p)
        let cases = try await services.takedowns.forMerchant(id, limit: 20, by: p)
        let penalties = try await services.penalties.page(merchantId: id, year: nil, status: nil, limit: 20, after: nil, by: p).items
        var records = MerchantPageModel.Records(
            mayReadKyc: p.can(.kycRead),
            listings: listings.0.map { l in
                .init(id: l.id.rawValue, title: l.content.title, status: l.status.rawValue, statusLabel: ListingsPage.label(l.status)(lang),
                      when: date(l.updatedAt, lang))
            },
            moreListings: listings.1 != nil,
            cases: cases.map { k in
                .init(id: k.id.rawValue, title: k.ruleIds.joined(separator: ", "), status: k.status.rawValue,
                      statusLabel: ConsoleStrings.text("takedown.\(k.status.rawValue)", lang), when: date(k.openedAt, lang))
            },
            penalties: penalties.map { pen in
                .init(id: pen.id.rawValue, title: ConsoleStrings.text("violation.\(pen.violation.rawValue)", lang) + " · \(pen.countedPoints)",
                      status: "penalty-" + pen.status.rawValue, statusLabel: ConsoleStrings.text("penalty.\(pen.status.rawValue)", lang),
                      when: date(pen.issuedAt, lang))
            })
        records.timeline = try await TimelineBuilder(routes: self).build([AuditTarget("merchant", id.rawValue)], r, c, by: p)
        let model = MerchantPageModel(m: merchantRow(m, c.language), records: records,
                                      submissions: subs.map { kycRow($0, c.language, merchantName: m.name) },
                                      canManageExit: s.principal.may(.merchantsExit, onMerchant: id),
                                      canClose: s.principal.can(.merchantsClose) && m.status == .exiting,
                                      confirmExit: LocalizedText(
                                        en: "Start the public exit notice for \(m.name)? The notice is published at once; the store can close when it ends.",
                                        zh: "为 \(m.name) 发起退出公示？公示将立即发布，期满后方可关闭店铺。")(c.language),
                                      confirmClose: LocalizedText(
                                        en: "Close the store of \(m.name)? This cannot be undone: its people are signed out and it can no longer trade.",
                                        zh: "关闭 \(m.name) 的店铺？此操作不可撤销：其用户将被登出，且不能再经营。")(c.language))
        return page(model, c, r)
    }

    func merchantAction(_ r: Request, _ c: AppRequestContext, _ action: String) async throws -> Response {
        let s = try session(c)
        let id: MerchantID = try c.pathID()
        let f = try await form(r, c)
        return try await command(c, back: "/console/merchants/\(id)", ok: { lang in
            switch action {
            case "exit": lang == .zh ? "已发起退出公示。" : "Exit notice started."
            case "withdraw": lang == .zh ? "已撤回退出。" : "Exit withdrawn."
            default: lang == .zh ? "店铺已关闭。" : "Store closed."
            }
        }) {
            switch action {
            case "exit": _ = try await parties.merchants.requestExit(id, reason: f["reason"], by: s.principal)
            case "withdraw": _ = try await parties.merchants.cancelExit(id, by: s.principal)
            default: _ = try await parties.merchants.close(id, by: s.principal)
            }
        }
    }

    // MARK: KYC

    func kycRow(_ k: KYCSubmission, _ lang: Language, merchantName: String) -> KYCRow {
        let waitingHours = Int(services.clock.now().timeIntervalSince(k.submittedAt) / 3600)
        return KYCRow(id: k.id.rawValue, merchantId: k.merchantId.rawValue, merchantName: merchantName,
                      company: k.companyName, registrationNumber: k.registrationNumber, legalRepresentative: k.legalRepresentative,
                      country: k.country, address: k.address, licence: k.licenceExpiresOn.description,
                      status: k.status.rawValue, statusLabel: k.status.label(lang), submittedAt: date(k.submittedAt, lang),
                      submittedKey: String(format: "%015lld", k.submittedAt.epochMillis),
                      waiting: waitingHours >= 48 ? (lang == .zh ? "\(waitingHours / 24) 天" : "\(waitingHours / 24) d") : (lang == .zh ? "\(waitingHours) 小时" : "\(waitingHours) h"),
                      reason: k.decisionReason ?? "",
                      documents: k.documents.map { .init(id: $0.id.rawValue, filename: $0.filename, kind: $0.kind.rawValue, sha: String($0.sha256.prefix(12))) },
                      canStart: k.status == .submitted, canDecide: k.status == .underReview,
                      confirmApprove: LocalizedText(
                        en: "Approve the KYC of \(k.companyName) (\(merchantName))? The merchant can then publish listings.",
                        zh: "通过 \(k.companyName)（\(merchantName)）的资质审核？通过后该商户即可发布商品。")(lang),
                      confirmReject: LocalizedText(
                        en: "Reject the KYC of \(k.companyName) (\(merchantName))? This cannot be undone: the merchant must start a new submission.",
                        zh: "驳回 \(k.companyName)（\(merchantName)）的资质审核？此操作不可撤销，商户须重新提交。")(lang))
    }

    func kycQueue(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        let q = Query(request: r)
        let status = try q.enumValue("status", KYCStatus.self)
        // Without a status filter: what is open, and what was decided in the last 7 days. Sorted, searched and paged in
        // SQL; oldest waiting first by default (issue 12 item 6).
        let filter = KYCSearch(status: status, openOrDecidedSince: services.clock.now().addingTimeInterval(-86400 * 7))
        let request = ConsoleList.request(r)
        if let format = try ConsoleList.format(r) { return try await kycExport(filter, request, format, c.language, by: s.principal) }
        let page = try await parties.kyc.search(filter, request, by: s.principal)
        var names: [String: String] = [:]
        var rows: [KYCRow] = []
        for k in page.items {
            let mid = k.merchantId.rawValue
            if names[mid] == nil { names[mid] = (try? await parties.merchants.get(k.merchantId, by: s.principal))?.name ?? mid }
            var row = kycRow(k, c.language, merchantName: names[mid]!)
            if k.status.isOpen, s.principal.can(.kycReview) {
                let dups = try await parties.kyc.duplicateRegistrations(k, by: s.principal)
                if !dups.isEmpty {
                    row.duplicateWarning = c.language == .zh ? "该注册号也被以下商户使用：\(dups.map(\.rawValue).joined(separator: "、"))"
                                                                : "Registration number also used by: \(dups.map(\.rawValue).joined(separator: ", "))"
                }
            }
            rows.append(row)
        }
        let table = ConsoleTable(r, default: "submitted", allowed: Set(KYCSearch.sorts))
        let h = table.headers([.init("merchant", ConsoleStrings.table["merchant"]!(c.language)),
                               .init("submitted", ConsoleStrings.table["submittedAt"]!(c.language)),
                               .init("licence", ConsoleStrings.table["licence"]!(c.language)),
                               .init("status", ConsoleStrings.table["status"]!(c.language))])
        let model = KYCPageModel(
            rows: rows, statuses: KYCStatus.allCases.map { Option(value: $0.rawValue, label: $0.label(c.language), selected: $0 == status) },
            headers: .init(merchant: h[0], submitted: h[1], licence: h[2], status: h[3]),
            q: request.search ?? "", pager: ConsoleList.pager(r, page, c.language), mayBulk: s.principal.can(.kycReview),
            returnQuery: r.uri.query.map { "?" + $0 } ?? "",
            confirmBulkApprove: LocalizedText(en: "Approve the KYC of {n} selected merchants? They can then publish listings.",
                                              zh: "通过所选 {n} 个商户的资质审核？通过后这些商户即可发布商品。")(c.language))
        return self.page(model, c, r)
    }

    /// Every submission the filters select (all pages), as CSV or XLSX.
    func kycExport(_ filter: KYCSearch, _ request: ListRequest, _ format: ExportFormat, _ lang: Language, by p: Principal) async throws -> Response {
        let t = { (key: String) in ConsoleStrings.text(key, lang) }
        var table = ExportTable(name: "kyc", headers: ["ID", t("merchant"), t("company"), t("country"), t("licence"), t("submittedAt"),
                                                       t("status"), t("reason")])
        var names: [String: String] = [:]
        try await ConsoleList.collect(request, into: &table, fetch: { try await parties.kyc.search(filter, $0, by: p) }) { k in
            let mid = k.merchantId.rawValue
            if names[mid] == nil { names[mid] = (try? await parties.merchants.get(k.merchantId, by: p))?.name ?? mid }
            return [k.id.rawValue, names[mid] ?? mid, k.companyName, k.country, k.licenceExpiresOn.description, k.submittedAt.rfc3339,
                    k.status.label(lang), k.decisionReason ?? ""]
        }
        return try ConsoleList.download(table, format, routes: self)
    }

    /// Start review of, or approve, the selected submissions: each through the same service call as one (its own
    /// transaction, permission check and audit entry); the page lists each as done or refused.
    func kycBulk(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        let lang = c.language
        let form = try await BulkAction.form(r, c)
        let action = form.fields["action"] ?? ""
        guard action == "start-review" || action == "approve" else {
            throw ValidationError(field: "action", code: "invalid", en: "action must be start-review or approve.", zh: "action 须为 start-review 或 approve。")
        }
        let back = "/console/kyc" + (form.fields["return"].flatMap { $0.hasPrefix("?") ? $0 : nil } ?? "")
        let ids: [String]
        do { ids = try BulkAction.checked(form.ids) } catch let e as ValidationError {
            return redirect(back, flash: Flash(message: e.fieldErrors.map { $0.message(lang) }.joined(separator: " "), isError: true))
        }
        var names: [String: String] = [:]
        if s.principal.can(.kycRead) {
            for k in try await parties.kyc.search(KYCSearch(ids: ids), ListRequest(limit: ids.count), by: s.principal).items {
                names[k.id.rawValue] = k.companyName
            }
        }
        let outcomes = try await BulkAction.run(ids, lang: lang, name: { names[$0] ?? $0 }) { id in
            let kid = try KYCSubmissionID.field(id, "ids")!
            switch action {
            case "approve": _ = try await parties.kyc.approve(kid, by: s.principal)
            default: _ = try await parties.kyc.startReview(kid, by: s.principal)
            }
        }
        let model = BulkResultPageModel<KYCArea>(action: ConsoleStrings.text(action == "approve" ? "bulkApproveSelected" : "bulkStartReview", lang),
                                                 outcomes: outcomes, backHref: back, lang: lang)
        return page(model, c, r)
    }

    func kycAction(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        let id: KYCSubmissionID = try c.pathID()
        let action = try c.parameters.require("action")
        let f = try await form(r, c)
        let p = s.principal
        let reason = f["reason"]
        // From the submission's own page the reviewer returns to it and sees the decision in its timeline.
        let back = f["return"] == "/console/kyc/\(id)" ? "/console/kyc/\(id)#timeline"
            : "/console/kyc" + (f["return"].flatMap { $0.hasPrefix("?") ? $0 : nil } ?? "") + "#kyc-\(id)"
        return try await command(c, back: back, ok: { lang in
            switch action {
            case "approve": lang == .zh ? "已通过资质审核 \(id)。" : "Approved \(id)."
            case "reject": lang == .zh ? "已驳回 \(id)。" : "Rejected \(id)."
            case "request-info": lang == .zh ? "已要求补充材料 \(id)。" : "Requested more information for \(id)."
            default: lang == .zh ? "已开始审核 \(id)。" : "Review started for \(id)."
            }
        }) {
            switch action {
            case "start-review": _ = try await parties.kyc.startReview(id, by: p)
            case "approve": _ = try await parties.kyc.approve(id, by: p)
            case "reject": _ = try await parties.kyc.reject(id, reason: reason, by: p)
            case "request-info": _ = try await parties.kyc.requestMoreInfo(id, reason: reason, by: p)
            default: throw CommonError.notFound(entity: "action", id: action)
            }
        }
    }

    func document(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        let (doc, data) = try await parties.kyc.document(try c.pathID(), by: s.principal)
        // Shown inside the submission's page (img/object): framing by the console's own pages only, and the file
        // may load nothing itself. Only PDF, PNG and JPEG are ever stored (checked by their magic bytes), with nosniff.
        return Response(status: .ok, headers: [
            .contentType: doc.contentType,
            .contentDisposition: "inline; filename=\"\(doc.filename.replacingOccurrences(of: "\"", with: ""))\"",
            .contentSecurityPolicy: "frame-ancestors 'self'",
            HTTPField.Name("X-Frame-Options")!: "SAMEORIGIN",
            .cacheControl: "private, no-store",
        ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: API keys

    func apiKeys(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        let page = try await parties.access.listKeys(limit: ConsolePaging.pageSize, after: Query(request: r).string("after"), by: s.principal)
        let grantable = Role.allCases.filter { PermissionTable.scope(of: .usersManage, for: s.user.role) == .all || !$0.isOperator }
        var model = APIKeysPageModel(
            rows: page.items.map { k in
                .init(id: k.id.rawValue, name: k.name, role: k.role.label(c.language), merchantId: k.merchantId?.rawValue ?? "—",
                      prefix: k.prefix, createdAt: date(k.createdAt, c.language), lastUsed: date(k.lastUsedAt, c.language), revoked: k.isRevoked,
                      confirmRevoke: LocalizedText(en: "Revoke the key “\(k.name)” (\(k.prefix)…)? Systems using it are refused at once.",
                                                   zh: "吊销密钥“\(k.name)”（\(k.prefix)…）？使用该密钥的系统将立即被拒绝。")(c.language))
            },
            roles: grantable.map { Choice(value: $0.rawValue, label: $0.label(c.language)) })
        model.nextHref = ConsolePaging.nextHref(r, next: page.next)
        if let token = r.cookies["tl_newkey"]?.value, !token.isEmpty { model.newKey = token }
        var response = self.page(model, c, r)
        response.setCookie(Cookie(name: "tl_newkey", value: "", maxAge: 0, path: "/console/api-keys", httpOnly: true, sameSite: .strict))
        return response
    }

    func createKey(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        let f = try await form(r, c)
        do {
            let (_, token) = try await parties.access.createKey(name: f["name"], role: f["role"], merchantId: f["merchantId"], by: s.principal)
            // Shown once on the next page load, then the cookie is cleared.
            var response = redirect("/console/api-keys", flash: Flash(message: ConsoleStrings.table["newKeyShownOnce"]!(c.language), isError: false))
            response.setCookie(Cookie(name: "tl_newkey", value: token, maxAge: 60, path: "/console/api-keys",
                                      secure: services.config.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        } catch let e as any AppError {
            let msg = e.fieldErrors.isEmpty ? e.detail(c.language) : e.fieldErrors.map { $0.message(c.language) }.joined(separator: " ")
            return redirect("/console/api-keys", flash: Flash(message: msg, isError: true))
        }
    }

    func revokeKey(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try session(c)
        let id = try c.parameters.require("id")
        return try await command(c, back: "/console/api-keys", ok: { $0 == .zh ? "已吊销密钥 \(id)。" : "Revoked key \(id)." }) {
            _ = try await parties.access.revokeKey(.init(unchecked: id), by: s.principal)
        }
    }

    // MARK: public notices

    func notices(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let model = NoticesPageModel(rows: try await parties.merchants.publicNotices().map { merchantRow($0, c.language) })
        return page(model, c, r)
    }
}
