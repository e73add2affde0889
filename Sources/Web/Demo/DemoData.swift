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

        for (email, name, role) in [("admin@tradelane.local", "Operator Admin", "operator-admin"),
                                    ("compliance@tradelane.local", "Li Na (Compliance)", "compliance-officer"),
                                    ("finance@tradelane.local", "Wang Fang (Finance)", "finance"),
                                    ("cs@tradelane.local", "Zhang Wei (Service)", "cs-agent")] {
            _ = try await parties.users.create(UserInput(email: email, displayName: name, password: password, role: role, language: "en"), by: system)
        }

        let today = LocalDate(services.clock.now(), in: ChineseWorkingDayCalendar.official.timeZone)
        let lamp = try await parties.merchants.create(MerchantInput(name: "Shenzhen Bright Lamp Trading Co.", legalName: "深圳明灯贸易有限公司",
                                                                    country: "CN", contactEmail: "export@brightlamp.example"), by: system)
        let silk = try await parties.merchants.create(MerchantInput(name: "Hangzhou Silk Road Apparel Ltd.", legalName: "杭州丝路服饰有限公司",
                                                                    country: "CN", contactEmail: "trade@silkroad.example"), by: system)
        let gifts = try await parties.merchants.create(MerchantInput(name: "Yiwu Global Gifts Co.", legalName: "义乌环球礼品有限公司",
                                                                     country: "CN", contactEmail: "sales@yiwugifts.example"), by: system)
        _ = try await parties.users.create(UserInput(email: "lamp@tradelane.local", displayName: "Chen Jie", password: password,
                                                     role: "merchant-admin", merchantId: lamp.id.rawValue, language: "zh-CN"), by: system)
        _ = try await parties.users.create(UserInput(email: "silk@tradelane.local", displayName: "Zhou Min", password: password,
                                                     role: "merchant-admin", merchantId: silk.id.rawValue, language: "zh-CN"), by: system)

        let lampKYC = try await parties.kyc.submit(merchantId: lamp.id.rawValue, KYCInput(
            companyName: "深圳明灯贸易有限公司", registrationNumber: "91440300MA5FXXXX1K", legalRepresentative: "陈杰",
            country: "CN", address: "广东省深圳市南山区科技园南区 8 栋", licenceExpiresOn: today.adding(days: 3 * 365).description), by: system)
        _ = try await parties.kyc.addDocument(submissionId: lampKYC.id.rawValue, kind: "business-licence", filename: "business-licence.pdf",
                                              contentType: "application/pdf", data: samplePDF(title: "Business licence 91440300MA5FXXXX1K"), by: system)
        _ = try await parties.kyc.startReview(lampKYC.id.rawValue, by: system)

        let silkKYC = try await parties.kyc.submit(merchantId: silk.id.rawValue, KYCInput(
            companyName: "杭州丝路服饰有限公司", registrationNumber: "91330100MA2HXXXX3P", legalRepresentative: "周敏",
            country: "CN", address: "浙江省杭州市滨江区网商路 699 号", licenceExpiresOn: today.adding(days: 2 * 365).description), by: system)
        _ = try await parties.kyc.addDocument(submissionId: silkKYC.id.rawValue, kind: "business-licence", filename: "licence.pdf",
                                              contentType: "application/pdf", data: samplePDF(title: "Business licence 91330100MA2HXXXX3P"), by: system)

        // An approved merchant whose licence runs out in 20 days: shows the 30-day warning.
        let giftsKYC = try await parties.kyc.submit(merchantId: gifts.id.rawValue, KYCInput(
            companyName: "义乌环球礼品有限公司", registrationNumber: "91330782MA2EXXXX7Q", legalRepresentative: "吴刚",
            country: "CN", address: "浙江省义乌市福田街道国际商贸城", licenceExpiresOn: today.adding(days: 20).description), by: system)
        _ = try await parties.kyc.addDocument(submissionId: giftsKYC.id.rawValue, kind: "business-licence", filename: "licence.pdf",
                                              contentType: "application/pdf", data: samplePDF(title: "Business licence 91330782MA2EXXXX7Q"), by: system)
        _ = try await parties.kyc.startReview(giftsKYC.id.rawValue, by: system)
        _ = try await parties.kyc.approve(giftsKYC.id.rawValue, by: system)

        // Listings in every screening outcome, so the compliance queue has work in it.
        let giftsAdmin = Principal(actorId: "system:demo", userId: nil, merchantId: gifts.id.rawValue, role: .merchantAdmin, channel: .system)
        let usd = try Currency("USD")
        for (title, description, price, markets, certs) in [
            ("Hand-painted ceramic tea set, 6 cups", "Jingdezhen porcelain, gift box.", "39.90", ["US", "EU"], [String]()),
            ("20000mAh power bank, fast charge, LED display", "Dual USB-C output.", "24.50", ["US", "UK"], []),
            ("Nike-style running shoes, breathable mesh", "Lightweight trainers.", "29.00", ["EU"], []),
            ("最佳 国家级 品质 紫砂壶 手工", "宜兴原矿紫砂。", "88.00", ["CN"], []),
            ("Wireless charging pad 15W", "Qi compatible.", "15.00", ["US"], ["FCC"]),
        ] {
            _ = try await services.listings.create(ListingInput(title: title, description: description,
                                                                price: try Money(parsing: price, currency: usd), originCountry: "CN",
                                                                markets: markets, certifications: certs), by: giftsAdmin)
        }
        return true
    }

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
