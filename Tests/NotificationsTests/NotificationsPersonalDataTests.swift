import Foundation
import Kernel
import Parties
import Testing
import TestSupport
@testable import Notifications

/// PRV2/PRV3 for the messages sent to people (issue 11 item 3): exported with their texts, deleted on an erasure
/// request, and deleted a year after they were made unless an e-mail is still on its way.
@Suite struct NotificationsPersonalDataTests {
    let provider = NotificationsPersonalData()

    @Test func messagesAreExportedErasedAndExpire() async throws {
        try await NotificationsHarness.with(email: false) { h in
            let li = try await h.user("li.na@tradelane.test", .complianceOfficer, language: .zh)
            let zhou = try await h.user("zhou@tradelane.test", .complianceOfficer)
            try await h.notify(NotificationsHarness.breached("a"))
            h.clock.advance(by: 200 * 86_400)
            try await h.notify(NotificationsHarness.breached("b"))

            let subject = DataSubject(userIds: [li.id])
            let exported = try await h.db.read { [provider] in try await provider.export(subject, in: $0) }
            #expect(exported.count == 2 && exported.allSatisfy { $0.fields["user"] == li.id.rawValue && $0.fields["language"] == Language.zh.rawValue })
            #expect(exported[0].collectedAt > exported[1].collectedAt && exported[0].fields["subject"]?.contains("Wallet") == true)
            let byEmail = try await h.db.read { [provider] in try await provider.export(DataSubject(email: "li.na@tradelane.test"), in: $0) }
            #expect(byEmail.isEmpty, "notifications know people by user id only")

            // 366 days after the first message: that one goes for both people, the newer ones stay.
            h.clock.advance(by: 166 * 86_400 + 1)
            let now = h.clock.now()
            let expired = try await h.db.transaction { [provider] in try await provider.enforceRetention(at: now, limit: 100, in: $0) }
            #expect(expired == 2)
            let (liLeft, zhouLeft) = (try await h.inbox(li).count, try await h.inbox(zhou).count)
            #expect(liLeft == 1 && zhouLeft == 1)

            let outcome = try await h.db.transaction { [provider] in try await provider.erase(subject, at: now, in: $0) }
            #expect(outcome.erased.count == 1 && outcome.kept.isEmpty)
            let (liAfter, zhouAfter) = (try await h.inbox(li).count, try await h.inbox(zhou).count)
            #expect(liAfter == 0 && zhouAfter == 1)
        }
    }
}
