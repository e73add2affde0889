import Foundation
import Kernel
import SQLKit

/// The domain events Compliance publishes through Kernel's `EventPublisher` (issue 11 item 6), in the transaction of
/// the change: merchants' shops and ERPs hear when a listing is screened, taken down or back on sale, and when a
/// takedown case opens or closes. The data is what the merchant already sees through the API, never more.
public enum ComplianceEvents {
    public static let listingScreened = "listing.screened"
    public static let listingStatusChanged = "listing.status-changed"
    public static let listingTakenDown = "listing.taken-down"
    public static let listingReinstated = "listing.reinstated"
    public static let takedownOpened = "takedown.opened"
    public static let takedownResolved = "takedown.resolved"

    public static let types = [listingScreened, listingStatusChanged, listingTakenDown, listingReinstated, takedownOpened, takedownResolved]

    struct ListingData: Encodable {
        let listingId: String, version: Int, title: String, status: String, previousStatus: String?, verdict: String
        let reason: String?, catalogueVersion: String
    }

    struct CaseData: Encodable {
        let caseId: String, listingId: ListingID, listingVersion: Int, trigger: String, ruleIds: [String], status: String
        let dueAt: String, resolution: String?, reason: String?
    }

    /// After a listing was saved: `listing.screened` for a new version or re-screen; `listing.status-changed` when the
    /// state moved, plus `listing.taken-down` or `listing.reinstated` (a taken-down listing back on sale).
    static func listingChanged(_ l: Listing, from: ListingStatus?, screened: Bool, at now: Date, events: any EventPublisher,
                               in sql: any SQLDatabase) async throws {
        let data = ListingData(listingId: l.id.rawValue, version: l.version, title: l.content.title, status: l.status.rawValue,
                               previousStatus: from?.rawValue, verdict: l.verdict.rawValue, reason: l.statusReason,
                               catalogueVersion: l.catalogueVersion)
        var types: [String] = []
        if screened { types.append(listingScreened) }
        if let from, from != l.status {
            types.append(listingStatusChanged)
            if l.status == .takenDown { types.append(listingTakenDown) }
            if from == .takenDown && l.status == .active { types.append(listingReinstated) }
        }
        for type in types {
            try await events.publish(try DomainEvent(type: type, merchantId: l.merchantId, entity: "listing", entityId: l.id.rawValue,
                                                     occurredAt: now, data: data), in: sql)
        }
    }

    static func takedown(_ type: String, _ c: TakedownCase, at now: Date, events: any EventPublisher, in sql: any SQLDatabase) async throws {
        let data = CaseData(caseId: c.id.rawValue, listingId: c.listingId, listingVersion: c.listingVersion, trigger: c.trigger.rawValue,
                            ruleIds: c.ruleIds, status: c.status.rawValue, dueAt: c.dueAt.rfc3339,
                            resolution: c.status == .open ? nil : c.status.rawValue, reason: c.resolutionReason)
        try await events.publish(try DomainEvent(type: type, merchantId: c.merchantId, entity: "takedown-case", entityId: c.id.rawValue,
                                                 occurredAt: now, data: data), in: sql)
    }
}
