import Kernel

/// Which navigation entries a person sees, from the spine's permission table (issue 12 item 8): an entry is shown only
/// when the page behind it answers the role with something it may read, so no role is offered a 403.
/// `RoleCrawlTests` signs in as every role and follows every link to hold this true.
enum ConsoleNav {
    /// Page key (`may.<key>` in the header) → who may open it. Pages open to every signed-in user are not listed.
    static let gated: [String: @Sendable (Principal) -> Bool] = [
        "kyc": { $0.can(.kycRead) },
        "catalogue": { $0.can(.catalogueRead) },
        "jobs": { $0.can(.jobsOperate) },
        "webhooks": { $0.can(.webhooksManage) },
        "keys": { $0.can(.apiKeysManage) },
        "users": { $0.can(.usersRead) },
        "newMerchant": { $0.can(.merchantsCreate) },
    ]

    /// The `may` map the header reads: every gated key, true or false.
    static func may(_ p: Principal) -> [String: Bool] {
        gated.mapValues { $0(p) }
    }
}
