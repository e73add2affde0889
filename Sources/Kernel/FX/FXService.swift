import Foundation
import SQLKit

/// Euro reference rates imported from the ECB feed (operators fetch `eurofxref-daily.xml` or `-hist-90d.xml` and
/// run `tradelane fx import FILE`); other modules read the rates in force on a day to convert and to state the basis.
public struct FXService: Sendable {
    let db: Database
    let clock: any WallClock

    public init(db: Database, clock: any WallClock) { self.db = db; self.clock = clock }

    /// Stores every day of an ECB document (re-importing a day replaces its rates); returns the days imported.
    @discardableResult
    public func importECB(_ data: Data) async throws -> [LocalDate] {
        let days = try ReferenceRates.parseECB(data)
        let now = clock.now().epochMillis
        try await db.transaction { sql in
            for d in days {
                for (code, rate) in d.rates.sorted(by: { $0.key < $1.key }) {
                    try await sql.insert(into: "fx_rates").columns("day", "currency", "rate", "source", "imported_at")
                        .values([d.day.description, code, rate.description, d.source, now] as [any Encodable & Sendable])
                        .onConflict(with: ["source", "day", "currency"]) { $0.set(excludedValueOf: "rate").set(excludedValueOf: "imported_at") }
                        .run()
                }
            }
        }
        return days.map(\.day)
    }

    /// The most recent published rates on or before `day` (rates are not published on weekends and TARGET holidays).
    public func rates(on day: LocalDate) async throws -> ReferenceRates? {
        struct Row: Decodable { let day: String; let currency: String; let rate: String; let source: String }
        return try await db.read { sql in
            struct Latest: Decodable { let d: String? }
            guard let latest = try await sql.select().column(SQLFunction("MAX", args: SQLIdentifier("day")), as: "d").from("fx_rates")
                .where("day", .lessThanOrEqual, day.description).first(decoding: Latest.self)?.d else { return nil }
            let rows = try await sql.select().columns("day", "currency", "rate", "source").from("fx_rates").where("day", .equal, latest)
                .all(decoding: Row.self)
            var rates: [String: ExactRate] = [:]
            for r in rows { rates[r.currency] = try ExactRate(parsing: r.rate) }
            return ReferenceRates(day: try LocalDate(parsing: latest), rates: rates, source: rows.first?.source ?? "ECB reference rate")
        }
    }
}
