import Kernel

public enum MerchantKind: IDKind { public static let prefix = "mer" }
public enum UserKind: IDKind { public static let prefix = "usr" }
public enum APIKeyKind: IDKind { public static let prefix = "key" }
public enum KYCSubmissionKind: IDKind { public static let prefix = "kyc" }
public enum DocumentKind: IDKind { public static let prefix = "doc" }

public typealias MerchantID = PrefixedID<MerchantKind>
public typealias UserID = PrefixedID<UserKind>
public typealias APIKeyID = PrefixedID<APIKeyKind>
public typealias KYCSubmissionID = PrefixedID<KYCSubmissionKind>
public typealias DocumentID = PrefixedID<DocumentKind>
