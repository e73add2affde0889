import Foundation
import Kernel
import SQLKit

/// The messages sent to people (PRV2, PRV3): their texts may name the person and their records. Kept `retention`
/// after they were made, then deleted; an erasure request deletes a person's messages at once (nothing obliges the
/// platform to keep them: the audit trail records what happened, the messages only told people about it).
public struct NotificationsPersonalData: PersonalDataProvider {
    public let retention: TimeInterval
    public var module: String { "notifications" }
    /// At most this many messages per person in one export (the newest).
    public static let exportLimit = 1_000

    public init(retention: TimeInterval = 365 * 86_400) { self.retention = retention }

    struct Row: Decodable {
        let id: String, userId: String, merchantId: String?, channel: String, language: String, subject: String, body: String
        let state: String, createdAt: Int64
    }

    public func export(_ subject: DataSubject, in sql: any SQLDatabase) async throws -> [PersonalDataRecord] {
        guard !subject.userIds.isEmpty else { return [] }
        let rows = try await sql.select()
            .columns("id", "user_id", "merchant_id", "channel", "language", "subject", "body", "state", "created_at")
            .from("notifications").where("user_id", .in, subject.userIds.map(\.rawValue))
            .orderBy("created_at", .descending).orderBy("id", .descending).limit(Self.exportLimit)
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        return rows.map { r in
            PersonalDataRecord(module: module, category: "notification", entity: "notification", entityId: r.id,
                               merchantId: r.merchantId.map(MerchantID.init(unchecked:)),
                               fields: ["user": r.userId, "channel": r.channel, "language": r.language, "subject": r.subject,
                                        "body": r.body, "state": r.state],
                               collectedAt: Date(epochMillis: r.createdAt), purpose: "service messages to the user",
                               retainUntil: Date(epochMillis: r.createdAt).addingTimeInterval(retention))
        }
    }

    public func erase(_ subject: DataSubject, at now: Date, in sql: any SQLDatabase) async throws -> ErasureOutcome {
        guard !subject.userIds.isEmpty else { return ErasureOutcome() }
        let ids = try await sql.select().column("id").from("notifications").where("user_id", .in, subject.userIds.map(\.rawValue))
            .orderBy("id").all().map { try $0.decode(column: "id", as: String.self) }
        guard !ids.isEmpty else { return ErasureOutcome() }
        try await sql.delete(from: "notifications").where("user_id", .in, subject.userIds.map(\.rawValue)).run()
        return ErasureOutcome(erased: ids.map { "notification:\($0)" })
    }

    public func enforceRetention(at now: Date, limit: Int, in sql: any SQLDatabase) async throws -> Int {
        let cutoff = now.addingTimeInterval(-retention).epochMillis
        // Pending e-mails are still being delivered; everything else past its date goes.
        let ids = try await sql.select().column("id").from("notifications").where("created_at", .lessThan, cutoff)
            .where("state", .notEqual, "pending").orderBy("created_at").limit(limit).all()
            .map { try $0.decode(column: "id", as: String.self) }
        guard !ids.isEmpty else { return 0 }
        try await sql.delete(from: "notifications").where("id", .in, ids).run()
        return ids.count
    }
}
