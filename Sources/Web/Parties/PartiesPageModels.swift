/// Typed models of Parties' console pages (issue 11 item 5); filled in PartiesPages.swift.

/// A merchant as the merchants table, the merchant page, the dashboard and the public notices show it.
struct MerchantRow: Sendable {
    let id: String
    let name: String
    let legalName: String
    let country: String
    let contactEmail: String
    let status: String
    let statusLabel: String
    let kycStatus: String
    let kycLabel: String
    let licence: String
    let licenceState: String
    let licenceLabel: String
    let hasLicence: Bool
    let createdAt: String
    let noticeEnds: String
    let exitReason: String
    let exiting: Bool
    let canExit: Bool
}

/// A KYC submission in the review queue and on the merchant page.
struct KYCRow: Sendable {
    struct Document: Sendable {
        let id: String
        let filename: String
        let kind: String
        let sha: String
    }

    let id: String
    let merchantId: String
    let merchantName: String
    let company: String
    let registrationNumber: String
    let legalRepresentative: String
    let country: String
    let address: String
    let licence: String
    let status: String
    let statusLabel: String
    let submittedAt: String
    let submittedKey: String
    let waiting: String
    let reason: String
    let documents: [Document]
    let canStart: Bool
    let canDecide: Bool
    /// The questions the irreversible decisions ask first, naming the company and what follows (issue 12 item 1).
    let confirmApprove: String
    let confirmReject: String
    var duplicateWarning: String?
}

struct MerchantsPageModel: PageModel {
    static let template = "merchants"
    let rows: [MerchantRow]
    let q: String
    let statuses: [Option]
    let headers: [ConsoleTable.Header]
    let count: Int
    let pager: ConsoleList.Pager
}

struct MerchantPageModel: PageModel {
    static let template = "merchant"
    static let nav = "merchants"
    /// The merchant's records, each linking to its own page, and the merchant's timeline (issue 12 item 2).
    struct Records: Sendable {
        struct Row: Sendable {
            let id: String
            let title: String
            let status: String
            let statusLabel: String
            let when: String
        }

        let mayReadKyc: Bool
        let listings: [Row]
        let moreListings: Bool
        let cases: [Row]
        let penalties: [Row]
        var timeline: TimelineModel?
    }

    let m: MerchantRow
    let records: Records
    let submissions: [KYCRow]
    let canManageExit: Bool
    let canClose: Bool
    /// Asked before the exit notice starts and before the store closes (issue 12 item 1).
    let confirmExit: String
    let confirmClose: String
}

struct KYCPageModel: PageModel {
    static let template = "kyc"
    static let titleKey = "kycQueue"
    /// The sortable columns by name (`{{#headers.merchant}}`).
    struct Headers: Sendable {
        let merchant: ConsoleTable.Header
        let submitted: ConsoleTable.Header
        let licence: ConsoleTable.Header
        let status: ConsoleTable.Header
    }

    let rows: [KYCRow]
    let statuses: [Option]
    let headers: Headers
    /// The search box (issue 12 item 6).
    let q: String
    let pager: ConsoleList.Pager
    /// Reviewers get row checkboxes and the bulk actions.
    let mayBulk: Bool
    let returnQuery: String
    /// Asked before a bulk approval; `{n}` is the number of rows selected.
    let confirmBulkApprove: String
}

struct APIKeysPageModel: PageModel {
    static let template = "api-keys"
    static let nav = "keys"
    static let titleKey = "apiKeys"
    struct Row: Sendable {
        let id: String
        let name: String
        let role: String
        let merchantId: String
        let prefix: String
        let createdAt: String
        let lastUsed: String
        let revoked: Bool
        /// Asked before the key is revoked (issue 12 item 1).
        let confirmRevoke: String
    }

    let rows: [Row]
    let roles: [Choice]
    /// The next page of keys (nil on the last).
    var nextHref: String?
    /// The token just created, shown once.
    var newKey: String?
}

struct NoticesPageModel: PageModel {
    static let template = "notices"
    let rows: [MerchantRow]
}
