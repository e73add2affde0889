import Foundation
import Kernel

/// Compliance's background work on Kernel's job queue (issue 11): what runs, and how often. (The 24 h takedown
/// clock is escalated by Kernel's deadline scanner through `TakedownDeadlines`.)
public enum ComplianceJobs {
    /// Certificates expire by calendar day (Shanghai); a five-minute sweep re-opens their findings soon after midnight.
    public static let certificateExpiry = RecurringJob(kind: "compliance.certificate-expiry", every: 300)
    /// One market's re-screen after a catalogue change (payload: the `rescreen_jobs` row it drives).
    public static let rescreenKind = "compliance.rescreen"
    /// A handful of listings to screen again (payload: ids and reason), e.g. those citing a revoked certificate.
    public static let rescreenListingsKind = "compliance.rescreen-listings"

    public static var recurring: [RecurringJob] { [certificateExpiry] }

    struct ListingsPayload: Codable, Equatable {
        var listingIds: [ListingID]
        var reason: String
    }

    public static func handlers(rescreens: RescreenService, certifications: CertificationService) -> [JobHandler] {
        [
            // Expiry and the re-screen it causes commit together with the job (CMP5): a crash re-runs both or neither.
            JobHandler(kind: certificateExpiry.kind, lease: 300) { _, _ in
                let listings = try await certifications.expireLapsed()
                if !listings.isEmpty { _ = try await rescreens.rescreen(listingIds: listings, reason: "certificate expired") }
            },
            JobHandler(kind: rescreenListingsKind, lease: 300) { job, _ in
                let p = try job.decode(ListingsPayload.self)
                _ = try await rescreens.rescreen(listingIds: p.listingIds, reason: p.reason)
            },
            rescreens.handler(),
        ]
    }
}
