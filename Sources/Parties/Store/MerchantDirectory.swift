import Kernel
import SQLKit

/// Parties' answer to Kernel's `MerchantRegistry`, read straight from the merchants table.
public struct MerchantDirectory: MerchantRegistry {
    public init() {}

    public func exists(_ merchantId: MerchantID, in sql: any SQLDatabase) async throws -> Bool {
        // The id alone: no need to read and decode the whole merchant row.
        try await sql.select().column("id").from("merchants").where("id", .equal, merchantId.rawValue).first() != nil
    }

    public func publishingHold(_ merchantId: MerchantID, in sql: any SQLDatabase) async throws -> PublishingHold? {
        guard let row = try await sql.select().columns("status", "kyc_status").from("merchants").where("id", .equal, merchantId.rawValue).first() else {
            return nil
        }
        if try row.decode(column: "status", as: String.self) == MerchantStatus.closed.rawValue { return .storeClosed }
        let kyc = try row.decode(column: "kyc_status", as: String?.self)
        return kyc == KYCStatus.approved.rawValue ? nil : .kycNotApproved(kyc)
    }
}
