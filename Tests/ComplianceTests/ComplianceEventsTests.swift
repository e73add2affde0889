import Compliance
import Foundation
import Kernel
import Testing
import TestSupport

/// Issue 11 item 6: Compliance publishes its listing and takedown events through Kernel's `EventPublisher`, each for
/// the listing's own merchant, with the public state in `data`.
@Suite struct ComplianceEventsTests {
    typealias H = ComplianceHarness

    @Test func takedownDecisionsAndReinstatementArePublished() async throws {
        try await H.with { h in
            let l = try await h.listings.create(try H.input("Canvas tote"), by: H.merchantA)
            #expect(h.events.types(entityId: l.id.rawValue) == [ComplianceEvents.listingScreened])
            let c = try await h.takedowns.report(listingId: l.id.rawValue, category: "brand", reason: "rights holder notice", by: H.officer)
            #expect(h.events.types(entityId: c.id.rawValue) == [ComplianceEvents.takedownOpened])
            // Refused decisions publish nothing.
            await #expect(throws: CommonError.self) { try await h.takedowns.resolve(c.id.rawValue, action: "clear", reason: "mine", by: H.merchantA) }
            #expect(h.events.published.count == 2)
            _ = try await h.takedowns.resolve(c.id.rawValue, action: "take-down", reason: "Counterfeit confirmed", by: H.officer)
            #expect(h.events.types(entityId: l.id.rawValue) == [ComplianceEvents.listingScreened, ComplianceEvents.listingStatusChanged,
                                                                ComplianceEvents.listingTakenDown])
            #expect(h.events.types(entityId: c.id.rawValue) == [ComplianceEvents.takedownOpened, ComplianceEvents.takedownResolved])
            let takenDown = try #require(h.events.published.first { $0.type == ComplianceEvents.listingTakenDown })
            #expect(takenDown.merchantId == "mer_a" && takenDown.entity == "listing")
            let data = try #require(try JSONSerialization.jsonObject(with: Data(takenDown.data.utf8)) as? [String: Any])
            #expect(data["status"] as? String == "taken-down" && data["previousStatus"] as? String == "active"
                    && data["reason"] as? String == "Counterfeit confirmed")
            // A new, clean version puts it back on sale: reinstated.
            _ = try await h.listings.update(l.id, ListingInput(title: "Plain canvas tote"), by: H.merchantA)
            #expect(h.events.types(entityId: l.id.rawValue).suffix(3) == [ComplianceEvents.listingScreened, ComplianceEvents.listingStatusChanged,
                                                                          ComplianceEvents.listingReinstated])
            #expect(h.events.published.allSatisfy { $0.merchantId == "mer_a" })
        }
    }

    @Test func moderationPublishesTheStatusChange() async throws {
        try await H.with { h in
            let l = try await h.listings.create(try H.input("Canvas tote"), by: H.merchantB)
            _ = try await h.listings.moderate(l.id, to: .takenDown, reason: "Recall notice", by: H.officer)
            #expect(h.events.types(entityId: l.id.rawValue) == [ComplianceEvents.listingScreened, ComplianceEvents.listingStatusChanged,
                                                                ComplianceEvents.listingTakenDown])
            #expect(h.events.published.allSatisfy { $0.merchantId == "mer_b" })
        }
    }
}
