import Foundation
import Kernel
import SQLKit

/// The 24 h takedown clock (CMP3) as a source for Kernel's deadline scanner: every open case runs one; a breach marks
/// the case escalated (shown on the case, counted in the KPI) with an audit entry, once.
public struct TakedownDeadlines: DeadlineSource {
    public static let clock = DeadlineClock(
        id: "compliance.takedown-24h", module: "compliance",
        label: LocalizedText(en: "Takedown within 24 h", zh: "24 小时内下架处置"),
        rule: LocalizedText(en: "Prohibited or infringing goods on sale are handled within 24 hours of detection (CMP3).",
                            zh: "在售违禁或侵权商品须在发现后 24 小时内处置（CMP3）。"),
        owner: .complianceOfficer, warnBefore: 4 * 3600)

    let store = TakedownStore()
    let audit: AuditLog

    public init(clock: any WallClock) { audit = AuditLog(clock: clock) }

    public var clocks: [DeadlineClock] { [Self.clock] }

    public func open(_ query: DeadlineQuery, in sql: any SQLDatabase) async throws -> [Deadline] {
        if let id = query.clockId, id != Self.clock.id { return [] }
        return try await store.open(query, in: sql).map { c, title in
            Deadline(clock: Self.clock, entity: "takedown-case", entityId: c.id.rawValue, merchantId: c.merchantId, subject: title,
                     startedAt: c.openedAt, dueAt: c.dueAt, link: "/console/takedowns#case-\(c.id.rawValue)")
        }
    }

    public func breached(_ deadline: Deadline, at now: Date, in sql: any SQLDatabase) async throws {
        guard var c = try await store.find(deadline.entityId, scope: .operatorWide, in: sql), c.status == .open, c.escalatedAt == nil else { return }
        c.escalatedAt = now
        try await store.update(c, in: sql)
        try await audit.append(AuditEvent(actor: "system", merchantId: c.merchantId, action: "takedown.breached", entity: "takedown-case",
                                          entityId: c.id.rawValue,
                                          data: ["listing": c.listingId.rawValue, "dueAt": ISO8601DateFormatter().string(from: c.dueAt)]), in: sql)
    }
}
