import Kernel

/// The Parties use cases, built once at start-up and shared by API, console and CLI.
public struct PartiesServices: Sendable {
    public let context: PartiesContext
    public let merchants: MerchantService
    public let kyc: KYCService
    public let users: UserService
    public let access: AccessService
    public let invitations: InvitationService
    /// Two-factor sign-in and the signed-in person's own account (issue 12 item 11).
    public let twoFactor: TwoFactorService
    public let account: AccountService

    public init(_ ctx: PartiesContext) {
        context = ctx
        merchants = MerchantService(ctx)
        kyc = KYCService(ctx)
        users = UserService(ctx)
        access = AccessService(ctx)
        invitations = InvitationService(ctx, users: users)
        twoFactor = TwoFactorService(ctx)
        account = AccountService(ctx)
    }
}

/// Parties as a platform module (issue 11 item 5): merchants, KYC, users and credentials; no background jobs yet, and
/// the personal data of accounts, merchant contacts and KYC representatives.
extension PartiesServices: PlatformModule {
    public var name: String { "parties" }
    public var migrations: [Migration] { PartiesMigrations.all }
    public var personalDataProviders: [any PersonalDataProvider] { [PartiesPersonalData()] }
}
