/// Roles of K3. Operator roles act across tenants; merchant roles only inside their merchant.
public enum Role: String, Sendable, Codable, CaseIterable {
    case operatorAdmin = "operator-admin"
    case complianceOfficer = "compliance-officer"
    case csAgent = "cs-agent"
    case finance = "finance"
    case merchantAdmin = "merchant-admin"
    case merchantStaff = "merchant-staff"

    public var isOperator: Bool {
        switch self {
        case .operatorAdmin, .complianceOfficer, .csAgent, .finance: true
        case .merchantAdmin, .merchantStaff: false
        }
    }

    public var label: LocalizedText {
        switch self {
        case .operatorAdmin: LocalizedText(en: "Operator admin", zh: "平台管理员")
        case .complianceOfficer: LocalizedText(en: "Compliance officer", zh: "合规专员")
        case .csAgent: LocalizedText(en: "Customer-service agent", zh: "客服专员")
        case .finance: LocalizedText(en: "Finance", zh: "财务")
        case .merchantAdmin: LocalizedText(en: "Merchant admin", zh: "商户管理员")
        case .merchantStaff: LocalizedText(en: "Merchant staff", zh: "商户员工")
        }
    }
}

/// Which rows a caller may see: everything (operator roles) or one merchant's.
public enum TenantScope: Sendable, Equatable {
    case operatorWide
    case merchant(MerchantID)

    public var merchantId: MerchantID? {
        if case .merchant(let id) = self { return id }
        return nil
    }

    /// True when a row belonging to `merchantId` is visible in this scope.
    public func allows(_ rowMerchantId: MerchantID?) -> Bool {
        switch self {
        case .operatorWide: true
        case .merchant(let id): rowMerchantId == id
        }
    }
}

/// The authenticated caller of a request or command.
public struct Principal: Sendable, Equatable {
    public enum Channel: String, Sendable { case session, apiKey = "api-key", system }

    /// `usr_…` for people, `key_…` for API keys, `system:…` for jobs and the CLI.
    public let actorId: String
    public let userId: UserID?
    public let merchantId: MerchantID?
    public let role: Role
    public let channel: Channel

    public init(actorId: String, userId: UserID?, merchantId: MerchantID?, role: Role, channel: Channel) {
        self.actorId = actorId; self.userId = userId; self.merchantId = merchantId; self.role = role; self.channel = channel
    }

    /// The person behind the credential: the user for a session, the key's owner for an API key, else the actor
    /// itself (a service key made on the command line, a job). Four-eyes and appeal rules compare people, so a second
    /// key of the same person is still the same person (issue 10 item 6).
    public var personId: String { userId?.rawValue ?? actorId }

    public var scope: TenantScope {
        if role.isOperator { return .operatorWide }
        // A merchant role without a merchant (never issued) sees nothing rather than everything.
        return .merchant(merchantId ?? MerchantID(unchecked: ""))
    }

    /// The CLI and background jobs act as the operator.
    public static func system(_ name: String) -> Principal {
        Principal(actorId: "system:\(name)", userId: nil, merchantId: nil, role: .operatorAdmin, channel: .system)
    }

    /// The merchant a write is for. A merchant caller writes for its own merchant; naming another one in the
    /// request is refused (403) instead of being silently replaced (K3). Operators name the merchant (nil: none given).
    public func merchantForWrite(_ given: String?, field: String = "merchantId") throws -> MerchantID? {
        let named = try MerchantID.field(given, field)
        guard !role.isOperator else { return named }
        if let named, named != merchantId { throw CommonError.forbidden(action: "act for merchant \(named)") }
        return merchantId
    }

    public func require(_ allowed: Bool, _ action: String) throws(CommonError) {
        if !allowed { throw .forbidden(action: action) }
    }
}
