import Foundation
import Kernel

/// An invitation to set a password (issue 12 item 8): the invited person's account exists from the start (so an admin
/// sees and can withdraw it) but nobody can sign in to it until the link's token is used, once, before it expires.
public struct Invitation: Sendable, Equatable {
    public let id: InvitationID
    public let userId: UserID
    public let merchantId: MerchantID?
    public let createdBy: String
    public let createdAt: Date
    public let expiresAt: Date
    public var acceptedAt: Date?
    public var revokedAt: Date?

    /// How long a link stays good.
    public static let validity: TimeInterval = 7 * 24 * 3600

    public func isOpen(at now: Date) -> Bool { acceptedAt == nil && revokedAt == nil && now < expiresAt }
}
