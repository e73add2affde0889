import SQLKit

/// Whether a merchant exists and may publish. Parties owns merchants; modules that record something against a merchant
/// id (listings, certificates, penalties) ask through this inside their own transaction, so an operator cannot file a
/// record for a merchant that is not there, and a merchant without approved KYC cannot put goods on sale (K2).
public protocol MerchantRegistry: Sendable {
    func exists(_ merchantId: MerchantID, in sql: any SQLDatabase) async throws -> Bool
    /// Why the merchant may not publish listings now; nil when it may (or when it does not exist: see `exists`).
    func publishingHold(_ merchantId: MerchantID, in sql: any SQLDatabase) async throws -> PublishingHold?
}

/// What keeps a merchant's listings from going live.
public enum PublishingHold: Sendable, Equatable {
    /// KYC never approved, or reopened by an identity change (the current KYC status, nil when never submitted).
    case kycNotApproved(String?)
    /// The store went through its exit procedure and is closed.
    case storeClosed
}

extension MerchantRegistry {
    /// Throws a validation error on `field` when the merchant does not exist.
    public func require(_ merchantId: MerchantID, field: String = "merchantId", in sql: any SQLDatabase) async throws {
        guard try await exists(merchantId, in: sql) else {
            throw ValidationError(field: field, code: "unknown-merchant", en: "No merchant \(merchantId).", zh: "商户 \(merchantId) 不存在。")
        }
    }

    /// Throws a conflict naming the hold when the merchant may not publish (K2: publishing needs approved KYC).
    public func requirePublishing(_ merchantId: MerchantID, in sql: any SQLDatabase) async throws {
        switch try await publishingHold(merchantId, in: sql) {
        case nil: return
        case .kycNotApproved(let status):
            throw CommonError.conflict(
                code: "kyc-not-approved",
                en: "Listings go on sale only after KYC approval (KYC is \(status ?? "not submitted")); submit or complete the KYC review first.",
                zh: "商户资质审核（KYC）通过后方可发布商品（当前状态：\(status ?? "未提交")），请先提交或完成资质审核。")
        case .storeClosed:
            throw CommonError.conflict(code: "merchant-closed", en: "The merchant is closed.", zh: "该商户已关闭。")
        }
    }
}
