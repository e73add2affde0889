import Compliance
import Foundation
import Hummingbird
import Kernel

/// Takedown cases (CMP3), penalty points and appeals (CMP4), certificates on file (CMP5).
struct EnforcementAPI {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("takedowns", use: cases)
        api.post("takedowns", use: report)
        api.get("takedowns/stats", use: stats)
        api.get("takedowns/:id", use: getCase)
        api.post("takedowns/:id/resolve", use: resolve)
        api.get("penalties", use: penalties)
        api.post("penalties", use: issue)
        api.get("penalties/:id", use: penalty)
        api.post("penalties/:id/appeal", use: appeal)
        api.post("penalties/:id/decision", use: decide)
        api.get("penalty-policy", use: policy)
        api.put("penalty-policy", use: setPolicy)
        api.get("merchants/:id/standing", use: standing)
        api.get("certifications", use: certifications)
        api.post("certifications", use: file)
        api.get("certifications/:id", use: certification)
        api.get("certifications/:id/file", use: download)
        api.post("certifications/:id/revoke", use: revoke)
    }

    func cases(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let q = Query(request: r)
        let page = try await services.takedowns.page(status: try q.enumValue("status", TakedownCase.Status.self),
                                                     limit: try q.int("limit", in: 1...500), after: q.string("after"), by: try c.requirePrincipal())
        let now = services.clock.now()
        return try JSONIO.response(ListDTO(data: page.items.map { TakedownDTO($0, now: now) }, next: page.next))
    }

    func getCase(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let t = try await services.takedowns.get(try c.parameters.require("id"), by: try c.requirePrincipal())
        return try JSONIO.response(TakedownDTO(t, now: services.clock.now()))
    }

    struct ReportBody: Decodable {
        let listingId: String?, category: String?, reason: String?
        static let keys: Set<String> = ["listingId", "category", "reason"]
    }

    func report(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ReportBody.self, r, c, allowedKeys: ReportBody.keys)
        var v = Validator()
        let listing = v.text(b.listingId, field: "listingId", max: 64)
        try v.finish()
        let t = try await services.takedowns.report(listingId: listing!, category: b.category, reason: b.reason, by: p)
        return try JSONIO.response(TakedownDTO(t, now: services.clock.now()), status: .created, location: "/api/v1/takedowns/\(t.id)")
    }

    struct ResolveBody: Decodable {
        let action: String?, reason: String?
        static let keys: Set<String> = ["action", "reason"]
    }

    func resolve(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ResolveBody.self, r, c, allowedKeys: ResolveBody.keys)
        let (t, l) = try await services.takedowns.resolve(try c.parameters.require("id"), action: b.action, reason: b.reason, by: p)
        return try JSONIO.response(ResolutionDTO(takedown: TakedownDTO(t, now: services.clock.now()), listing: ListingDTO(l)))
    }

    /// KPI for a period (default: this calendar month, China time).
    func stats(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        try p.require(.takedownsStats)
        let q = Query(request: r)
        var v = Validator()
        let tz = ChineseWorkingDayCalendar.official.timeZone
        let today = LocalDate(services.clock.now(), in: tz)
        let from = v.date(q.string("from"), field: "from", required: false) ?? (try! LocalDate(year: today.year, month: today.month, day: 1))
        let to = v.date(q.string("to"), field: "to", required: false) ?? today
        if to < from { v.fail("to", "before-from", en: "to is before from.", zh: "to 早于 from。") }
        try v.finish()
        let s = try await services.takedowns.stats(from: from.startOfDay(in: tz), to: to.adding(days: 1).startOfDay(in: tz))
        return try JSONIO.response(TakedownStatsDTO(s, from: from, to: to))
    }

    func penalties(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let q = Query(request: r)
        let page = try await services.penalties.page(merchantId: try q.id("merchantId", MerchantID.self), year: try q.int("year", in: 2000...2100),
                                                     status: try q.enumValue("status", Penalty.Status.self), limit: try q.int("limit", in: 1...500),
                                                     after: q.string("after"), by: try c.requirePrincipal())
        return try JSONIO.response(ListDTO(data: page.items.map(PenaltyDTO.init), next: page.next))
    }

    func penalty(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        try JSONIO.response(PenaltyDTO(try await services.penalties.get(try c.parameters.require("id"), by: try c.requirePrincipal())))
    }

    struct IssueBody: Decodable {
        let merchantId: String?, violation: String?, points: Int?, listingId: String?, reason: String?
        static let keys: Set<String> = ["merchantId", "violation", "points", "listingId", "reason"]
    }

    func issue(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(IssueBody.self, r, c, allowedKeys: IssueBody.keys)
        let pen = try await services.penalties.issue(merchantId: b.merchantId, violation: b.violation, points: b.points, listingId: b.listingId,
                                                     reason: b.reason, by: p)
        return try JSONIO.response(PenaltyDTO(pen), status: .created, location: "/api/v1/penalties/\(pen.id)")
    }

    func appeal(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: ReasonBody.keys)
        return try JSONIO.response(PenaltyDTO(try await services.penalties.appeal(try c.parameters.require("id"), reason: b.reason, by: p)))
    }

    struct DecisionBody: Decodable {
        let outcome: String?, points: Int?, note: String?
        static let keys: Set<String> = ["outcome", "points", "note"]
    }

    func decide(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(DecisionBody.self, r, c, allowedKeys: DecisionBody.keys)
        return try JSONIO.response(PenaltyDTO(try await services.penalties.decideAppeal(try c.parameters.require("id"), outcome: b.outcome,
                                                                                       points: b.points, note: b.note, by: p)))
    }

    func policy(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        _ = try c.requirePrincipal()
        return try JSONIO.response(try await services.penalties.policy())
    }

    func setPolicy(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(PenaltyPolicy.self, r, c, allowedKeys: ["points", "thresholds"])
        return try JSONIO.response(try await services.penalties.setPolicy(b, by: p))
    }

    func standing(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let s = try await services.penalties.standing(try c.pathID(), year: try Query(request: r).int("year", in: 2000...2100), by: p)
        return try JSONIO.response(StandingDTO(s))
    }

    func certifications(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let q = Query(request: r)
        let page = try await services.certifications.page(merchantId: try q.id("merchantId", MerchantID.self), limit: try q.int("limit", in: 1...500),
                                                          after: q.string("after").map { String($0.prefix(100)) }, by: try c.requirePrincipal())
        let today = LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone)
        return try JSONIO.response(ListDTO(data: page.items.map { CertificationDTO($0, today: today) }, next: page.next))
    }

    func certification(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let cert = try await services.certifications.get(try c.parameters.require("id"), by: try c.requirePrincipal())
        return try JSONIO.response(CertificationDTO(cert, today: LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone)))
    }

    struct FileBody: Decodable {
        let merchantId: String?, type: String?, number: String?, issuer: String?, issuedOn: String?, expiresOn: String?
        let fileName: String?, contentType: String?, fileBase64: String?
        static let keys: Set<String> = ["merchantId", "type", "number", "issuer", "issuedOn", "expiresOn", "fileName", "contentType", "fileBase64"]
    }

    func file(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(FileBody.self, r, c, allowedKeys: FileBody.keys)
        var data: Data?
        if let text = b.fileBase64 {
            guard let d = Data(base64Encoded: text) else {
                throw ValidationError(field: "fileBase64", code: "invalid-base64", en: "fileBase64 is not valid base64.", zh: "fileBase64 不是有效的 base64。")
            }
            data = d
        }
        let cert = try await services.certifications.create(CertificationInput(
            merchantId: b.merchantId, type: b.type, number: b.number, issuer: b.issuer, issuedOn: b.issuedOn, expiresOn: b.expiresOn,
            fileName: b.fileName, contentType: b.contentType, file: data), by: p)
        let today = LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone)
        return try JSONIO.response(CertificationDTO(cert, today: today), status: .created, location: "/api/v1/certifications/\(cert.id)")
    }

    func download(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let f = try await services.certifications.file(try c.parameters.require("id"), by: try c.requirePrincipal())
        var headers = HTTPFields()
        headers[.contentType] = f.contentType
        let safe = f.name.filter { $0.isLetter || $0.isNumber || ".-_ ".contains($0) }
        headers[.contentDisposition] = "attachment; filename=\"\(safe.isEmpty ? "certificate" : safe)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: f.data)))
    }

    func revoke(_ r: Request, _ c: AppRequestContext) async throws -> Response {
        let p = try c.requirePrincipal()
        let b = try await JSONIO.decode(ReasonBody.self, r, c, allowedKeys: ReasonBody.keys)
        let (cert, _) = try await services.certifications.revoke(try c.parameters.require("id"), reason: b.reason, by: p)
        let today = LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone)
        return try JSONIO.response(CertificationDTO(cert, today: today))
    }
}

struct TakedownDTO: Encodable {
    let id: String, listingId: String, merchantId: String, listingVersion: Int, trigger: String, ruleIds: [String]
    let findings: [FindingDTO], openedAt: String, dueAt: String, status: String, sla: String, remainingSeconds: Int
    @ExplicitNull var resolvedAt: String?
    @ExplicitNull var resolvedBy: String?
    @ExplicitNull var resolutionReason: String?
    @ExplicitNull var escalatedAt: String?
    init(_ t: TakedownCase, now: Date) {
        id = t.id.rawValue; listingId = t.listingId.rawValue; merchantId = t.merchantId.rawValue; listingVersion = t.listingVersion; trigger = t.trigger.rawValue
        ruleIds = t.ruleIds; findings = t.findings.map { FindingDTO($0.finding, market: $0.market) }; openedAt = t.openedAt.rfc3339
        dueAt = t.dueAt.rfc3339; status = t.status.rawValue; sla = t.sla.state(at: now).rawValue
        remainingSeconds = t.resolvedAt == nil ? Int(t.dueAt.timeIntervalSince(now)) : 0
        resolvedAt = t.resolvedAt?.rfc3339; resolvedBy = t.resolvedBy; resolutionReason = t.resolutionReason; escalatedAt = t.escalatedAt?.rfc3339
    }
}

struct ResolutionDTO: Encodable {
    let takedown: TakedownDTO
    let listing: ListingDTO
}

struct TakedownStatsDTO: Encodable {
    let from: String, to: String, opened: Int, resolved: Int, resolvedInTime: Int, breached: Int, open: Int, curedByEdit: Int
    @ExplicitNull var onTimeRate: Double?
    @ExplicitNull var medianResolutionMinutes: Int?
    init(_ s: TakedownStats, from: LocalDate, to: LocalDate) {
        self.from = from.description; self.to = to.description; opened = s.opened; resolved = s.resolved; resolvedInTime = s.resolvedInTime
        breached = s.breached; open = s.open; curedByEdit = s.curedByEdit; onTimeRate = s.onTimeRate; medianResolutionMinutes = s.medianResolutionMinutes
    }
}

struct PenaltyDTO: Encodable {
    let id: String, merchantId: String, year: Int, violation: String, points: Int, countedPoints: Int, reason: String, status: String
    let issuedBy: String, issuedAt: String
    @ExplicitNull var listingId: String?
    @ExplicitNull var caseId: String?
    @ExplicitNull var appealReason: String?
    @ExplicitNull var appealedAt: String?
    @ExplicitNull var appealOutcome: String?
    @ExplicitNull var appealNote: String?
    @ExplicitNull var appealDecidedBy: String?
    @ExplicitNull var appealDecidedAt: String?
    init(_ p: Penalty) {
        id = p.id.rawValue; merchantId = p.merchantId.rawValue; year = p.year; violation = p.violation.rawValue; points = p.points
        countedPoints = p.countedPoints; reason = p.reason; status = p.status.rawValue; issuedBy = p.issuedBy; issuedAt = p.issuedAt.rfc3339
        listingId = p.listingId?.rawValue; caseId = p.caseId; appealReason = p.appealReason; appealedAt = p.appealedAt?.rfc3339
        appealOutcome = p.appealOutcome?.rawValue; appealNote = p.appealNote; appealDecidedBy = p.appealDecidedBy
        appealDecidedAt = p.appealDecidedAt?.rfc3339
    }
}

struct StandingDTO: Encodable {
    let merchantId: String, year: Int, points: Int, sanctions: [String]
    @ExplicitNull var next: String?
    @ExplicitNull var nextAt: Int?
    init(_ s: Standing) {
        merchantId = s.merchantId.rawValue; year = s.year; points = s.points; sanctions = s.sanctions.map(\.rawValue); next = s.next?.rawValue; nextAt = s.nextAt
    }
}

struct CertificationDTO: Encodable {
    let id: String, merchantId: String, type: String, number: String, issuer: String, status: String, hasFile: Bool, createdAt: String
    @ExplicitNull var issuedOn: String?
    @ExplicitNull var expiresOn: String?
    @ExplicitNull var fileName: String?
    @ExplicitNull var fileSha256: String?
    init(_ c: Certification, today: LocalDate) {
        id = c.id.rawValue; merchantId = c.merchantId.rawValue; type = c.type; number = c.number; issuer = c.issuer; status = c.state(on: today).rawValue
        hasFile = c.fileSha256 != nil; createdAt = c.createdAt.rfc3339; issuedOn = c.issuedOn?.description; expiresOn = c.expiresOn?.description
        fileName = c.fileName; fileSha256 = c.fileSha256
    }
}
