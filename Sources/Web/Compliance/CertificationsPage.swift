import Compliance
import Foundation
import Hummingbird
import Kernel
import NIOCore
import Parties

/// Certificates and licences on file (CMP5): state with the 30-day expiry warning, the file, filing a new one
/// (the file travels base64-encoded in a form field, read by the browser) and revoking one (officer).
struct CertificationsPage: ConsolePage {
    let routes: ConsoleRoutes
    /// Bytes of a file accepted through the console form (base64 and URL encoding must fit the 2 MB body limit).
    static let maxConsoleFileBytes = 1_200_000

    func register(on console: RouterGroup<AppRequestContext>) {
        console.get("certifications", use: show)
        console.post("certifications", use: file)
        console.get("certifications/:id/file", use: download)
        console.post("certifications/:id/revoke", use: revoke)
    }

    /// valid / expiring-soon / expired / revoked on `today`.
    static func displayState(_ c: Certification, today: LocalDate) -> String {
        let st = c.state(on: today)
        if st == .valid, let e = c.expiresOn, e <= today.adding(days: 30) { return "expiring-soon" }
        return st.rawValue
    }

    func show(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let p = s.principal
        let lang = c.language
        let q = Query(request: r)
        let today = routes.today
        let stateFilter = q.string("state")
        let merchantFilter = q.string("merchantId")
        // State on today, filters, search, sort and paging in SQL (issue 12 item 6).
        let filter = CertificationSearch(merchantId: merchantFilter.map(MerchantID.init(unchecked:)), state: stateFilter)
        let request = ConsoleList.request(r)
        if let format = try ConsoleList.format(r) { return try await export(filter, today: today, request, format, lang, by: p) }
        let (page, counts) = try await services.certifications.search(filter, today: today, request, by: p)
        let names = await routes.merchantNames(by: p)
        let mayRevoke = p.can(.certificationsRevoke)
        let mayFile = p.can(.certificationsFile)
        var actors: [String: String] = [:]
        var rows: [CertificationsPageModel.Row] = []
        for cert in page.items {
            let state = Self.displayState(cert, today: today)
            let name = names[cert.merchantId.rawValue] ?? cert.merchantId.rawValue
            let days = cert.expiresOn.map { $0.dayNumber - today.dayNumber }
            rows.append(.init(
                id: cert.id.rawValue, merchantId: cert.merchantId.rawValue, merchantName: name, type: cert.type, number: cert.number,
                issuer: cert.issuer, issuedOn: cert.issuedOn?.description ?? "—", expiresOn: cert.expiresOn?.description ?? "—",
                state: state, stateLabel: Self.t("cert.\(state)", lang),
                expiringSoon: state == "expiring-soon", daysLeft: days ?? 0, hasDaysLeft: days != nil && state == "expiring-soon",
                hasFile: cert.fileSha256 != nil, fileName: cert.fileName ?? "", sha: String((cert.fileSha256 ?? "").prefix(12)),
                createdBy: await routes.actorName(cert.createdBy, by: p, cache: &actors), createdAt: routes.date(cert.createdAt, lang),
                canRevoke: mayRevoke && cert.status != .revoked,
                confirmRevoke: LocalizedText(
                    en: "Revoke certificate \(cert.type) \(cert.number) of \(name)? This cannot be undone: listings relying on it are screened again and may go off sale.",
                    zh: "吊销 \(name) 的证书 \(cert.type) \(cert.number)？此操作不可撤销：依赖该证书的商品将重新筛查，可能被下架。")(lang)))
        }
        let table = ConsoleTable(r, default: "expires", allowed: Set(CertificationSearch.sorts))
        let model = CertificationsPageModel(
            rows: rows, count: page.total ?? rows.count,
            headers: table.headers([
                .init("type", Self.t("certType", lang)), .init("number", Self.t("certNumber", lang)), .init("issuer", Self.t("issuer", lang)),
                .init("merchant", Self.t("merchant", lang)), .init("expires", Self.t("expiresOn", lang)), .init("state", Self.t("status", lang)),
                .init("file", Self.t("file", lang), sortable: false), .init("actions", Self.t("actions", lang), sortable: false),
            ]),
            states: ["valid", "expiring-soon", "expired", "revoked"].map {
                CountedOption(value: $0, label: Self.t("cert.\($0)", lang), selected: $0 == stateFilter, count: counts[$0] ?? 0)
            },
            q: q.formText("q") ?? "", isMerchant: p.merchantId != nil,
            merchantOptions: names.sorted { $0.value < $1.value }.map { Option(value: $0.key, label: $0.value, selected: $0.key == merchantFilter) },
            types: Certification.commonTypes.map { .init(value: $0) }, mayFile: mayFile, maxFileBytes: Self.maxConsoleFileBytes,
            maxFileMB: String(format: "%.1f", Double(Self.maxConsoleFileBytes) / 1_000_000), pager: ConsoleList.pager(r, page, lang))
        return routes.page(model, c, r)
    }

    /// Every certificate the filters select (all pages), as CSV or XLSX; a merchant's file holds its own only.
    func export(_ filter: CertificationSearch, today: LocalDate, _ request: ListRequest, _ format: ExportFormat, _ lang: Language,
                by p: Principal) async throws -> Response {
        var table = ExportTable(name: "certificates", headers: [
            "ID", Self.t("certType", lang), Self.t("certNumber", lang), Self.t("issuer", lang), Self.t("merchant", lang),
            Self.t("expiresOn", lang), Self.t("status", lang), Self.t("file", lang),
        ])
        var names = await routes.merchantNames(by: p)
        try await ConsoleList.collect(request, into: &table, fetch: { try await services.certifications.search(filter, today: today, $0, by: p).page }) { cert in
            [cert.id.rawValue, cert.type, cert.number, cert.issuer, await routes.merchantName(cert.merchantId, by: p, cache: &names),
             cert.expiresOn?.description ?? "", Self.t("cert.\(Self.displayState(cert, today: today))", lang), cert.fileName ?? ""]
        }
        return try ConsoleList.download(table, format, routes: routes)
    }

    func file(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await routes.form(r, c)
        func value(_ k: String) -> String? { f[k].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) } }
        return try await routes.command(c, back: "/console/certifications", ok: { lang in
            lang == .zh ? "证书已备案。" : "Certificate filed."
        }) {
            var data: Data?
            if let b64 = value("fileBase64") {
                guard let d = Data(base64Encoded: b64) else {
                    throw ValidationError(field: "file", code: "invalid-base64", en: "The file could not be read; choose it again.",
                                          zh: "无法读取文件，请重新选择。")
                }
                data = d
            }
            _ = try await services.certifications.create(CertificationInput(
                merchantId: value("merchantId"), type: value("type"), number: value("number"), issuer: value("issuer"),
                issuedOn: value("issuedOn"), expiresOn: value("expiresOn"), fileName: data == nil ? nil : value("fileName"),
                contentType: data == nil ? nil : value("contentType"), file: data), by: s.principal)
        }
    }

    func download(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let f = try await services.certifications.file(try c.parameters.require("id"), by: s.principal)
        let safe = f.name.filter { $0.isLetter || $0.isNumber || ".-_ ".contains($0) }
        return Response(status: .ok, headers: [
            .contentType: f.contentType,
            .contentDisposition: "inline; filename=\"\(safe.isEmpty ? "certificate" : safe)\"",
            .cacheControl: "no-store",
        ], body: .init(byteBuffer: ByteBuffer(bytes: f.data)))
    }

    func revoke(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let s = try routes.session(c)
        let id = try c.parameters.require("id")
        let f = try await routes.form(r, c)
        return try await routes.command(c, back: "/console/certifications", ok: { lang in
            lang == .zh ? "已吊销证书 \(id)，引用它的商品正在重新筛查。" : "Certificate \(id) revoked; listings citing it are being screened again."
        }) {
            _ = try await services.certifications.revoke(id, reason: f["reason"], by: s.principal)
        }
    }
}

struct CertificationsPageModel: PageModel {
    static let template = "certifications"
    struct Row: Sendable {
        let id: String
        let merchantId: String
        let merchantName: String
        let type: String
        let number: String
        let issuer: String
        let issuedOn: String
        let expiresOn: String
        let state: String
        let stateLabel: String
        let expiringSoon: Bool
        let daysLeft: Int
        let hasDaysLeft: Bool
        let hasFile: Bool
        let fileName: String
        let sha: String
        let createdBy: String
        let createdAt: String
        let canRevoke: Bool
        /// Asked before the revocation is sent (issue 12 item 1).
        let confirmRevoke: String
    }

    struct CertType: Sendable {
        let value: String
    }

    let rows: [Row]
    let count: Int
    let headers: [ConsoleTable.Header]
    let states: [CountedOption]
    let q: String
    let isMerchant: Bool
    let merchantOptions: [Option]
    let types: [CertType]
    let mayFile: Bool
    let maxFileBytes: Int
    let maxFileMB: String
    /// "N of M", paging and export links (issue 12 item 6).
    let pager: ConsoleList.Pager
}
