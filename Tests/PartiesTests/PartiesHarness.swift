import Foundation
import Kernel
import Parties
import TestSupport

/// A migrated database with Parties services on a fixed clock.
struct Harness {
    let db: Database
    let clock: FixedClock
    let parties: PartiesServices
    let op = Principal.system("test")

    static func with(blockers: [any ExitBlocker] = [], settings configure: (inout PartiesSettings) -> Void = { _ in },
                     _ body: (Harness) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all + PartiesMigrations.all) { db in
            let clock = FixedClock(TestFixtures.start)
            var settings = PartiesSettings()
            settings.bcryptCost = 4
            configure(&settings)
            let ctx = PartiesContext(db: db, clock: clock, cipher: TestFixtures.cipher, settings: settings, exitBlockers: blockers)
            try await body(Harness(db: db, clock: clock, parties: PartiesServices(ctx)))
        }
    }

    func merchant(_ name: String = "Ningbo Harbour Trading Co.") async throws -> Merchant {
        try await parties.merchants.create(MerchantInput(name: name, country: "CN", contactEmail: "ops@\(UUID().uuidString.prefix(6)).example"), by: op)
    }

    func kycInput(expires: String = "2028-06-30", regno: String = "91330206MA2AXXXX5B") -> KYCInput {
        KYCInput(companyName: "宁波港湾贸易有限公司", registrationNumber: regno, legalRepresentative: "王海",
                 country: "CN", address: "浙江省宁波市北仑区", licenceExpiresOn: expires)
    }

    static let pdf = Data("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n".utf8)

    func principal(_ role: Role, merchant: Merchant? = nil) -> Principal {
        Principal(actorId: "usr_t\(role.rawValue)", userId: nil, merchantId: merchant?.id, role: role, channel: .apiKey)
    }
}
