import Kernel
import SQLKit

/// Parties' answer to Kernel's `UserDirectory`: active users by id or by role, behind the tenant wall.
public struct PartiesUserDirectory: UserDirectory {
    /// A role never fans out to more people than this (a notification is not a mailing list).
    public static let maxPerRole = 500

    public init() {}

    public func resolve(_ recipient: NotificationRecipient, in sql: any SQLDatabase) async throws -> [DirectoryUser] {
        let q = sql.select().columns("id", "merchant_id", "email", "display_name", "role", "language").from("users")
            .where("disabled", .equal, Int64(0))
        switch recipient {
        case .user(let id):
            q.where("id", .equal, id.rawValue)
        case .role(let role, let merchantId):
            q.where("role", .equal, role.rawValue)
            if role.isOperator {
                q.where("merchant_id", .is, SQLLiteral.null)
            } else if let merchantId {
                q.where("merchant_id", .equal, merchantId.rawValue)
            } else {
                return []
            }
        }
        return try await q.orderBy("id").limit(Self.maxPerRole).all().map { row in
            DirectoryUser(id: UserID(unchecked: try row.decode(column: "id", as: String.self)),
                          displayName: try row.decode(column: "display_name", as: String.self),
                          email: try row.decode(column: "email", as: String.self),
                          language: Language(rawValue: try row.decode(column: "language", as: String.self)) ?? .en,
                          role: Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .merchantStaff,
                          merchantId: try row.decode(column: "merchant_id", as: String?.self).map(MerchantID.init(unchecked:)))
        }
    }
}
