import Foundation
import Kernel
import SQLKit

extension KYCService {
    /// How many submissions wait in `status` and since when (reviewers only: the queue is theirs to work).
    public func queue(status: KYCStatus, by p: Principal) async throws -> QueueStat {
        try p.require(.kycReview)
        return try await ctx.db.read { sql in
            let row = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")
                .column(SQLFunction("min", args: SQLColumn("submitted_at")), as: "oldest")
                .from("kyc_submissions").where("status", .equal, status.rawValue).first()
            return QueueStat(count: Int(try row?.decode(column: "n", as: Int64.self) ?? 0),
                             oldest: try row?.decode(column: "oldest", as: Int64?.self).map(Date.init(epochMillis:)))
        }
    }
}
