import Kernel
import SQLKit

/// Parties' answer to `MerchantRegistry`, for the modules that refer to merchants by id.
public struct MerchantDirectory: MerchantRegistry {
    public init() {}

    public func exists(_ merchantId: String, in sql: any SQLDatabase) async throws -> Bool {
        // The id alone: no need to read and decode the whole merchant row.
        try await sql.select().column("id").from("merchants").where("id", .equal, merchantId).first() != nil
    }
}
