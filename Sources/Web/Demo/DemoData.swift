import Foundation
import Kernel
import Compliance
import Parties

/// The demo tenant set printed by `tradelane demo`: an operator team and three merchants at
/// different onboarding stages, so every console page has something real to show.
public enum DemoData {
    public static let password = "tradelane-demo"

    public struct Login: Sendable { public let role: String; public let email: String }

    public static let logins: [Login] = [
        Login(role: "operator-admin", email: "admin@tradelane.local"),
        Login(role: "compliance-officer", email: "compliance@tradelane.local"),
        Login(role: "finance", email: "finance@tradelane.local"),
        Login(role: "merchant-admin (Shenzhen Bright Lamp)", email: "lamp@tradelane.local"),
        Login(role: "merchant-admin (Hangzhou Silk Road)", email: "silk@tradelane.local"),
    ]

    /// Seeds once; returns false when the demo operator already exists.
    @discardableResult
    public static func seed(_ services: AppServices) async throws -> Bool {
        let system = Principal.system("demo")
        let parties = services.parties
        if try await parties.users.authenticate(email: "admin@tradelane.local", password: password) != nil { return false }
        let existing = try await parties.users.list(merchantId: nil, limit: 1, after: nil, by: system)
        guard existing.items.isEmpty else { return false }

        var staff: [String: UserID] = [:]
        for (email, name, role) in [("admin@tradelane.local", "Operator Admin", "operator-admin"),
                                    ("compliance@tradelane.local", "Li Na (Compliance)", "compliance-officer"),
                                    ("finance@tradelane.local", "Wang Fang (Finance)", "finance"),
                                    ("cs@tradelane.local", "Zhang Wei (Service)", "cs-agent")] {
            let u = try await parties.users.create(UserInput(email: email, displayName: name, password: password, role: role, language: "en"), by: system)
            staff[role] = u.id
        }

        let today = LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone)
        let lamp = try await parties.merchants.create(MerchantInput(name: "Shenzhen Bright Lamp Trading Co.", legalName: "深圳明灯贸易有限公司",
                                                                    country: "CN", contactEmail: "export@brightlamp.example"), by: system)
        let silk = try await parties.merchants.create(MerchantInput(name: "Hangzhou Silk Road Apparel Ltd.", legalName: "杭州丝路服饰有限公司",
                                                                    country: "CN", contactEmail: "trade@silkroad.example"), by: system)
        let gifts = try await parties.merchants.create(MerchantInput(name: "Yiwu Global Gifts Co.", legalName: "义乌环球礼品有限公司",
                                                                     country: "CN", contactEmail: "sales@yiwugifts.example"), by: system)
        let lampUser = try await parties.users.create(UserInput(email: "lamp@tradelane.local", displayName: "Chen Jie", password: password,
                                                                role: "merchant-admin", merchantId: lamp.id.rawValue, language: "zh-CN"), by: system)
        _ = try await parties.users.create(UserInput(email: "silk@tradelane.local", displayName: "Zhou Min", password: password,
                                                     role: "merchant-admin", merchantId: silk.id.rawValue, language: "zh-CN"), by: system)

        let lampKYC = try await parties.kyc.submit(merchantId: lamp.id, KYCInput(
            companyName: "深圳明灯贸易有限公司", registrationNumber: "91440300MA5FXXXX1K", legalRepresentative: "陈杰",
            country: "CN", address: "广东省深圳市南山区科技园南区 8 栋", licenceExpiresOn: today.adding(days: 3 * 365).description), by: system)
        _ = try await parties.kyc.addDocument(submissionId: lampKYC.id, kind: "business-licence", filename: "business-licence.pdf",
                                              contentType: "application/pdf", data: samplePDF(title: "Business licence 91440300MA5FXXXX1K"), by: system)
        _ = try await parties.kyc.addDocument(submissionId: lampKYC.id, kind: "id-document", filename: "legal-representative-id.png",
                                              contentType: "image/png", data: samplePNG, by: system)
        _ = try await parties.kyc.startReview(lampKYC.id, by: system)

        let silkKYC = try await parties.kyc.submit(merchantId: silk.id, KYCInput(
            companyName: "杭州丝路服饰有限公司", registrationNumber: "91330100MA2HXXXX3P", legalRepresentative: "周敏",
            country: "CN", address: "浙江省杭州市滨江区网商路 699 号", licenceExpiresOn: today.adding(days: 2 * 365).description), by: system)
        _ = try await parties.kyc.addDocument(submissionId: silkKYC.id, kind: "business-licence", filename: "licence.pdf",
                                              contentType: "application/pdf", data: samplePDF(title: "Business licence 91330100MA2HXXXX3P"), by: system)

        // An approved merchant whose licence runs out in 20 days: shows the 30-day warning.
        let giftsKYC = try await parties.kyc.submit(merchantId: gifts.id, KYCInput(
            companyName: "义乌环球礼品有限公司", registrationNumber: "91330782MA2EXXXX7Q", legalRepresentative: "吴刚",
            country: "CN", address: "浙江省义乌市福田街道国际商贸城", licenceExpiresOn: today.adding(days: 20).description), by: system)
        _ = try await parties.kyc.addDocument(submissionId: giftsKYC.id, kind: "business-licence", filename: "licence.pdf",
                                              contentType: "application/pdf", data: samplePDF(title: "Business licence 91330782MA2EXXXX7Q"), by: system)
        _ = try await parties.kyc.startReview(giftsKYC.id, by: system)
        _ = try await parties.kyc.approve(giftsKYC.id, by: system)

        let officer = Principal(actorId: staff["compliance-officer"]!.rawValue, userId: staff["compliance-officer"], merchantId: nil,
                                role: .complianceOfficer, channel: .session)
        let admin = Principal(actorId: staff["operator-admin"]!.rawValue, userId: staff["operator-admin"], merchantId: nil, role: .operatorAdmin, channel: .session)
        let lampAdmin = Principal(actorId: lampUser.id.rawValue, userId: lampUser.id, merchantId: lamp.id,
                                  role: .merchantAdmin, channel: .session)
        try await seedCompliance(services, gifts: gifts.id, lamp: lamp.id, officer: officer, admin: admin, lampAdmin: lampAdmin)
        return true
    }

    /// Listings in every screening outcome, certificates, a catalogue change that puts a live listing on the 24 h
    /// takedown clock, a reported listing, penalties with an appeal, and regulation changes (CMP1–CMP9).
    static func seedCompliance(_ services: AppServices, gifts: MerchantID, lamp: MerchantID, officer: Principal, admin: Principal,
                               lampAdmin: Principal) async throws {
        let giftsAdmin = Principal(actorId: "system:demo", userId: nil, merchantId: gifts, role: .merchantAdmin, channel: .system)
        let usd = try Currency("USD")
        let eur = try Currency("EUR")
        // A real ECB daily file (2018-06-11, shipped as a sample; operators import today's with `tradelane fx import`),
        // so public listing pages show converted prices with their basis.
        if let url = Bundle.module.url(forResource: "eurofxref-daily", withExtension: "xml", subdirectory: "Resources/demo") {
            try await services.fx.importECB(try Data(contentsOf: url))
        }
        let today = LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone)
        let fcc = try await services.certifications.create(CertificationInput(
            type: "FCC", number: "2AXYZ-QI15W", issuer: "TÜV SÜD (FCC TCB)", issuedOn: today.adding(days: -400).description,
            expiresOn: today.adding(days: 3 * 365).description, fileName: "fcc-grant-2AXYZ-QI15W.pdf", contentType: "application/pdf",
            file: samplePDF(title: "FCC Grant of Equipment Authorization 2AXYZ-QI15W")), by: giftsAdmin)
        let un383 = try await services.certifications.create(CertificationInput(
            type: "UN38.3", number: "UN38.3-SZ-2023-0412", issuer: "SGS-CSTC Shenzhen", issuedOn: today.adding(days: -800).description,
            expiresOn: today.adding(days: -35).description), by: giftsAdmin)
        let ce = try await services.certifications.create(CertificationInput(
            type: "CE", number: "EU-DoC-YG-2025-118", issuer: "Yiwu Global Gifts Co. (EU Declaration of Conformity)",
            issuedOn: today.adding(days: -200).description, expiresOn: today.adding(days: 20).description), by: giftsAdmin)
        let image = [ListingImage(url: "https://img.example/demo/product-1.jpg", alt: "product photo")]
        let euPerson = "Yiwu Global Gifts Europe B.V., Keizersgracht 100, 1015 CV Amsterdam, NL, eu-rp@yiwugifts.example"
        let variation = "Colours may differ slightly from the photos; sizes ±1 cm; meets the stated standards."
        var live: [String: Listing] = [:]
        for (key, title, description, price, currency, markets, certs, unit) in [
            ("tea", "Hand-painted ceramic tea set, 6 cups", "Jingdezhen porcelain, gift box.", "39.90", usd, ["US", "EU"], [String](), "1 set (6 cups)"),
            ("powerbank", "20000mAh power bank, fast charge, LED display", "Dual USB-C output.", "24.50", usd, ["US", "UK"], [un383.id.rawValue], "1 piece"),
            ("shoes", "Nike-style running shoes, breathable mesh", "Lightweight trainers.", "29.00", usd, ["EU"], [], "1 pair"),
            ("teapot", "最佳 国家级 品质 紫砂壶 手工", "宜兴原矿紫砂。", "88.00", usd, ["CN"], [], "1 把"),
            ("charger", "Wireless charging pad 15W", "Qi compatible.", "15.00", usd, ["US"], [fcc.id.rawValue], "1 piece"),
            ("bottle", "Polycarbonate sports water bottle 750 ml, contains BPA", "Shatterproof, dishwasher safe.", "6.90", eur, ["EU"], [], "1 bottle"),
            ("bag", "Designer-inspired tote bag, monogram canvas", "Large shopper with zip pocket.", "19.90", eur, ["EU", "UK"], [ce.id.rawValue], "1 bag"),
            ("scarf", "Mulberry silk scarf 90 × 90 cm", "Hand-rolled edges. Limited offer: 20% off!", "35.00", eur, ["EU"], [], "1 scarf"),
        ] {
            let l = try await services.listings.create(ListingInput(
                title: title, description: description, images: image, price: try Money(parsing: price, currency: currency), originCountry: "CN",
                markets: markets, certifications: certs, unit: unit, variationNotice: variation,
                responsiblePerson: markets.contains("EU") || markets.contains("UK") ? euPerson : nil), by: giftsAdmin)
            live[key] = l
        }

        // A regulation change the catalogue must follow within 10 working days (CMP6), implemented by a four-eyes change
        // (CMP1) whose re-screen puts the live BPA bottle on the 24 h takedown clock (CMP3).
        let bpa = try await services.regulations.record(RegulationInput(
            id: "eu-2024-3190-bisphenols-fcm", country: "EU", market: "EU",
            title: "Commission Regulation (EU) 2024/3190 on bisphenol A and other bisphenols in food contact materials",
            authority: "European Commission", url: "https://eur-lex.europa.eu/eli/reg/2024/3190/oj", changedOn: "2025-01-20",
            summary: "Bans BPA in food contact materials and articles such as reusable drinks bottles and food containers; single-use articles may be placed on the market until 2026-07-20.",
            ruleIds: ["EU-PRO-9001"]), by: officer)
        let change = try await services.catalogue.propose(ops: [.upsert(CatalogueEntry(
            id: "EU-PRO-9001", market: .eu, category: .prohibited, term: "contains BPA",
            variants: ["made with BPA", "bisphenol A plastic", "含双酚A"], language: "any", match: .word, severity: 4,
            source: "Commission Regulation (EU) 2024/3190, Art. 3", sourceURL: "https://eur-lex.europa.eu/eli/reg/2024/3190/oj",
            effectiveFrom: "2026-07-20", note: "BPA-free articles are not covered"))],
            summary: "EU: ban bisphenol A in food contact articles (Reg. 2024/3190)", regulationIds: [bpa.id], by: officer)
        _ = try await services.catalogue.approve(change.id.rawValue, reason: "Checked against the Official Journal text.", by: admin)
        _ = try await services.rescreens.drain()

        // A rights holder's report against a live listing.
        if let bag = live["bag"], bag.status == .active {
            _ = try await services.takedowns.report(listingId: bag.id.rawValue, category: "brand",
                                                    reason: "Rights holder notice: copies a registered monogram canvas pattern.", by: officer)
        }
        // A pending proposal for a second officer to decide in the console.
        let (_, catalogue) = try await services.catalogue.current()
        if var bumper = catalogue.entries.first(where: { $0.id == "US-PRO-0005" }) {
            bumper.variants.append("bumper pad for crib")
            _ = try await services.catalogue.propose(ops: [.upsert(bumper)], summary: "US: add the 'bumper pad for crib' spelling seen in listings",
                                                     by: officer)
        }
        // A regulation still waiting for the catalogue (past due: shows as overdue).
        _ = try await services.regulations.record(RegulationInput(
            id: "jp-cpsa-amendment-2023-childrens-products", country: "JP", market: "JP",
            title: "Act partially amending the Consumer Product Safety Act (Act No. 17 of 2023): children's products and overseas sellers",
            authority: "Ministry of Economy, Trade and Industry (METI)", url: "https://www.meti.go.jp/product_safety/",
            changedOn: "2025-12-25",
            summary: "From 2025-12-25 children's products (子供用特定製品) need the PSC mark, age labelling and warnings; overseas online sellers must appoint a domestic administrator."),
            by: officer)

        // Penalty points with an appeal (CMP4).
        _ = try await services.penalties.issue(merchantId: lamp.rawValue, violation: "infringement", points: nil, listingId: nil,
                                               reason: "Counterfeit branded LED bulbs taken down after a rights holder notice.", by: officer)
        let adWord = try await services.penalties.issue(merchantId: lamp.rawValue, violation: "ad-word", points: nil, listingId: nil,
                                                        reason: "Absolute claim 最佳 in three listings (Advertising Law Art. 9).", by: officer)
        _ = try await services.penalties.appeal(adWord.id.rawValue, reason: "The word was part of a customer quote, removed the same day.", by: lampAdmin)
    }

    /// A small, valid PNG (24×16 chequerboard) for the demo's image document: the KYC page previews it inline.
    public static let samplePNG = Data(base64Encoded:
        "iVBORw0KGgoAAAANSUhEUgAAABgAAAAQCAIAAACDRijCAAAAJUlEQVR42mOQ9bsBR/+RAKniDMPYIEo0I4sPZ4NG09FoOqKCQQBlWzAuSInT8QAAAABJRU5ErkJggg==")!

    /// A minimal, valid one-page PDF (demo documents must pass the magic-byte check like real uploads).
    public static func samplePDF(title: String) -> Data {
        let text = title.replacingOccurrences(of: "(", with: "").replacingOccurrences(of: ")", with: "")
        let stream = "BT /F1 18 Tf 72 720 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var pdf = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (i, o) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(i + 1) 0 obj\n\(o)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for off in offsets { pdf += String(format: "%010d 00000 n \n", off) }
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(pdf.utf8)
    }
}
