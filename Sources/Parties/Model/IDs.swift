import Kernel

// MerchantID and UserID live in Kernel/Contracts/IDs.swift: other modules name merchants and users.

public enum APIKeyKind: IDKind { public static let prefix = "key" }
public enum KYCSubmissionKind: IDKind { public static let prefix = "kyc" }
public enum DocumentKind: IDKind { public static let prefix = "doc" }
public enum InvitationKind: IDKind { public static let prefix = "inv" }

public typealias APIKeyID = PrefixedID<APIKeyKind>
public typealias KYCSubmissionID = PrefixedID<KYCSubmissionKind>
public typealias DocumentID = PrefixedID<DocumentKind>
public typealias InvitationID = PrefixedID<InvitationKind>

/// A console session's public name (shown on the Account page and used to revoke it); the cookie token stays secret.
public enum SessionKind: IDKind { public static let prefix = "ses" }
public typealias SessionID = PrefixedID<SessionKind>
