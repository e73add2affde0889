/// The IDs other modules refer to, so a module can name another's records without importing its target (issue 11
/// item 3). Each module keeps the IDs only it uses next to its model.
public enum MerchantKind: IDKind { public static let prefix = "mer" }
public enum UserKind: IDKind { public static let prefix = "usr" }
public enum ListingKind: IDKind { public static let prefix = "lst" }

public typealias MerchantID = PrefixedID<MerchantKind>
public typealias UserID = PrefixedID<UserKind>
public typealias ListingID = PrefixedID<ListingKind>
