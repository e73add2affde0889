import Kernel
import SQLKit

/// Parties' answer to `MerchantRegistry`, for the modules that refer to merchants by id.
public struct MerchantDirectory: MerchantRegistry {
    public init() {}

    public func exists(_ merchantId: String, in sql: any SQLDatabase) async throws -> Bool {
        try await MerchantStore().find(merchantId, scope: .operatorWide, in: sql) != nil
    }
}
