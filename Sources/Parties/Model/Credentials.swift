import Foundation
import Kernel

public struct User: Sendable, Equatable {
    public let id: UserID
    public let merchantId: MerchantID?
    public var email: String
    public var displayName: String
    public var role: Role
    public var language: Language
    public var disabled: Bool
    public let createdAt: Date
    public var updatedAt: Date
}

/// API key metadata; the secret itself is shown once and stored only as a SHA-256 digest
/// (a 256-bit random token needs no slow hash, and lookups stay O(1)).
public struct APIKey: Sendable, Equatable {
    public let id: APIKeyID
    public let merchantId: MerchantID?
    public let role: Role
    public let name: String
    /// The first characters of the token, for recognising it in lists.
    public let prefix: String
    public let createdBy: String
    public let createdAt: Date
    public var revokedAt: Date?
    public var lastUsedAt: Date?
    /// The person the key acts for (its creator, or the owner of the key that created it). A key lives only while
    /// its owner is enabled and may still grant its role; nil for a service key made on the command line.
    public var ownerUserId: UserID? = nil

    public var isRevoked: Bool { revokedAt != nil }

    public static let tokenPrefix = "tl_"
    public static func newToken() -> String { tokenPrefix + RandomToken.make(bytes: 32) }
    public static func digest(_ token: String) -> String { Digest.sha256Hex(token) }
}

/// Which roles a principal may grant: operators any, merchant admins only merchant roles
/// inside their own merchant (least privilege, K3).
public enum RolePolicy {
    public static func mayGrant(_ role: Role, merchantId: MerchantID?, by principal: Principal) -> Bool {
        switch PermissionTable.scope(of: .usersManage, for: principal.role) {
        case .all?:
            // Operator roles have no merchant; merchant roles need one.
            return role.isOperator == (merchantId == nil)
        case .ownMerchant?:
            return !role.isOperator && merchantId == principal.merchantId
        case nil:
            return false
        }
    }
}
