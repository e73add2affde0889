import SQLKit

/// Whether a merchant exists. Parties owns merchants; modules that record something against a merchant id (listings,
/// certificates, penalties) ask through this inside their own transaction, so an operator cannot file a record for a
/// merchant that is not there.
public protocol MerchantRegistry: Sendable {
    func exists(_ merchantId: String, in sql: any SQLDatabase) async throws -> Bool
}

extension MerchantRegistry {
    /// Throws a validation error on `field` when the merchant does not exist.
    public func require(_ merchantId: String, field: String = "merchantId", in sql: any SQLDatabase) async throws {
        guard try await exists(merchantId, in: sql) else {
            throw ValidationError(field: field, code: "unknown-merchant", en: "No merchant \(merchantId).", zh: "商户 \(merchantId) 不存在。")
        }
    }
}
