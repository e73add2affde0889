import Foundation
import Kernel

/// Compliance's background work on Kernel's job queue (issue 11): what runs, and how often.
public enum ComplianceJobs {
    public static let takedownEscalation = RecurringJob(kind: "compliance.takedown-escalation", every: 60)

    public static var recurring: [RecurringJob] { [takedownEscalation] }

    public static func handlers(takedowns: TakedownService) -> [JobHandler] {
        [
            // Marks open takedown cases past 24 h as escalated, once each, with an audit entry (CMP3). Runs inside the
            // job's transaction, so a worker killed mid-sweep escalates nothing twice.
            JobHandler(kind: takedownEscalation.kind, lease: 120) { _, _ in _ = try await takedowns.escalateBreaches() },
        ]
    }
}
