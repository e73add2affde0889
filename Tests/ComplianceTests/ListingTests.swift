import Compliance
import Foundation
import Kernel
import SQLKit
import Testing
import TestSupport

/// CMP2: listings are versioned and screened on every save, per destination market; tenants are walls.
@Suite struct ListingTests {
    static func with(_ body: (ListingService, FixedClock, Database) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all + ComplianceMigrations.all) { db in
            let clock = FixedClock(TestFixtures.start)
            let screening = ScreeningService(clock: clock) { ScreeningEngineTests.catalogue }
            try await body(ListingService(db: db, clock: clock, screening: screening, events: RecordingEventPublisher()), clock, db)
        }
    }

    /// Listing with certificates: the service and a certificate service on the same database.
    static func withCertificates(_ body: (ListingService, CertificationService, FixedClock, Database) async throws -> Void) async throws {
        try await TestDatabase.with(migrations: KernelMigrations.all + ComplianceMigrations.all) { db in
            let clock = FixedClock(TestFixtures.start)
            let screening = ScreeningService(clock: clock) { ScreeningEngineTests.catalogue }
            try await body(ListingService(db: db, clock: clock, screening: screening, events: RecordingEventPublisher()), CertificationService(db: db, clock: clock, cipher: TestFixtures.cipher), clock, db)
        }
    }

    static let merchantA = Principal(actorId: "key_a", userId: nil, merchantId: "mer_a", role: .merchantAdmin, channel: .apiKey)
    static let merchantB = Principal(actorId: "key_b", userId: nil, merchantId: "mer_b", role: .merchantStaff, channel: .apiKey)
    static let officer = Principal(actorId: "usr_c", userId: "usr_c", merchantId: nil, role: .complianceOfficer, channel: .session)

    static func input(_ title: String, markets: [String] = ["US", "CN"]) throws -> ListingInput {
        ListingInput(title: title, description: "Soft cotton.", attributes: ["colour": "blue"],
                     images: [ListingImage(url: "https://cdn.example/p.jpg", alt: "front")], price: try Money(parsing: "19.90", currency: Currency("USD")),
                     originCountry: "CN", hsCode: "610910", markets: markets, unit: "1 piece",
                     variationNotice: "Colours may vary slightly from the photos.")
    }

    @Test func everySaveIsScreenedAndVersioned() async throws {
        try await Self.withCertificates { service, certs, clock, db in
            let l = try await service.create(try Self.input("Plain cotton T-shirt"), by: Self.merchantA)
            #expect(l.status == .active && l.verdict == .pass && l.version == 1 && l.merchantId == "mer_a")
            clock.advance(by: 60)
            let edited = try await service.update(l.id, ListingInput(title: "Nike cotton T-shirt 最佳"), by: Self.merchantA)
            #expect(edited.status == .rejected && edited.version == 2)
            #expect(Set(edited.findings.map(\.finding.ruleId)) == ["GL-BRD-1", "CN-AD-1"])
            #expect(edited.findings.contains { $0.market == .cn && $0.finding.ruleId == "CN-AD-1" })
            #expect(edited.content.description == "Soft cotton.")   // untouched fields carried over
            let versions = try await service.versions(l.id, by: Self.merchantA)
            #expect(versions.map(\.version) == [2, 1] && versions[1].content.title == "Plain cotton T-shirt" && versions[1].verdict == .pass)
            let restricted = try await service.update(l.id, ListingInput(title: "Cotton T-shirt with power bank", certifications: []), by: Self.merchantA)
            #expect(restricted.status == .needsReview)
            // CMP5: a certificate is cited by id and must be the merchant's own.
            let mine = try await certs.create(CertificationInput(type: "UN38.3", number: "T-1", issuer: "SGS"), by: Self.merchantA)
            let theirs = try await certs.create(CertificationInput(type: "UN38.3", number: "T-2", issuer: "SGS"), by: Self.merchantB)
            let foreign = await #expect(throws: ValidationError.self) {
                try await service.update(l.id, ListingInput(certifications: [mine.id.rawValue, theirs.id.rawValue]), by: Self.merchantA)
            }
            #expect(foreign?.fieldErrors.map(\.field) == ["certifications[1]"])
            let withCert = try await service.update(l.id, ListingInput(certifications: [mine.id.rawValue]), by: Self.merchantA)
            #expect(withCert.status == .active && withCert.version == 4)
            let audit = try await AuditLog.recent(db, merchantId: "mer_a", limit: 10).map(\.action)
            #expect(audit.filter { $0 == "listing.updated" }.count == 3)
        }
    }

    @Test func moderationAndTakedown() async throws {
        try await Self.with { service, _, _ in
            let l = try await service.create(try Self.input("20000mAh power bank"), by: Self.merchantA)
            #expect(l.status == .needsReview)
            await #expect(throws: CommonError.denied(.listingsModerate, role: .merchantAdmin)) {
                try await service.moderate(l.id, to: .active, reason: "ok", by: Self.merchantA)
            }
            await #expect(throws: ValidationError.self) { try await service.moderate(l.id, to: .active, reason: "", by: Self.officer) }
            let cleared = try await service.moderate(l.id, to: .active, reason: "UN38.3 report checked offline", by: Self.officer)
            #expect(cleared.status == .active && cleared.statusReason == "UN38.3 report checked offline")
            let down = try await service.moderate(l.id, to: .takenDown, reason: "Recall notice", by: Self.officer)
            #expect(down.status == .takenDown)
            await #expect(throws: CommonError.invalidTransition(entity: "listing", from: "taken-down", to: "active")) {
                try await service.moderate(l.id, to: .active, reason: "x", by: Self.officer)
            }
        }
    }

    @Test func validationNamesFieldsAndWritesNothing() async throws {
        try await Self.with { service, _, db in
            let e = await #expect(throws: ValidationError.self) {
                try await service.create(ListingInput(title: "", price: Money(minorUnits: 0, currency: try Currency("EUR")), originCountry: "ZZ",
                                                      hsCode: "12", markets: ["US", "MARS"]), by: Self.merchantA)
            }
            #expect(e?.fieldErrors.map(\.field) == ["title", "originCountry", "price.amount", "hsCode", "markets[1]"])
            let huge = String(repeating: "x", count: ContentLimits.description + 1)
            let big = await #expect(throws: ValidationError.self) {
                var i = try Self.input("ok")
                i.description = huge
                return try await service.create(i, by: Self.merchantA)
            }
            #expect(big?.fieldErrors.map(\.field) == ["description"])
            let rows = try await db.read { try await $0.select().column("id").from("listings").all().count }
            #expect(rows == 0)
        }
    }

    @Test func tenantsAreWalls() async throws {
        try await Self.with { service, _, _ in
            let a = try await service.create(try Self.input("Alpha mug"), by: Self.merchantA)
            _ = try await service.create(try Self.input("Beta mug"), by: Self.merchantB)
            await #expect(throws: CommonError.notFound(entity: "listing", id: a.id.rawValue)) { try await service.get(a.id, by: Self.merchantB) }
            await #expect(throws: CommonError.notFound(entity: "listing", id: a.id.rawValue)) {
                try await service.update(a.id, ListingInput(title: "pwned"), by: Self.merchantB)
            }
            let (bList, _) = try await service.list(status: nil, market: nil, query: "mug", limit: nil, after: nil, by: Self.merchantB)
            #expect(bList.map(\.content.title) == ["Beta mug"])
            let (all, _) = try await service.list(status: .active, market: .cn, query: nil, limit: nil, after: nil, by: Self.officer)
            #expect(all.count == 2)
            let (none, _) = try await service.list(status: nil, market: .jp, query: nil, limit: nil, after: nil, by: Self.officer)
            #expect(none.isEmpty)
            #expect(try await service.get(a.id, by: Self.merchantA).content.title == "Alpha mug")
        }
    }
}
