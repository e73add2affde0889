import Foundation
import Kernel


/// Listing lifecycle (CMP2, CMP3): every save is screened; the verdict decides the state.
public enum ListingStatus: String, Sendable, Codable, CaseIterable {
    case draft, screening, active
    case needsReview = "needs-review"
    case rejected
    case takenDown = "taken-down"

    static let transitions: [ListingStatus: Set<ListingStatus>] = [
        .draft: [.screening],
        .screening: [.active, .needsReview, .rejected],
        .active: [.screening, .takenDown, .needsReview],
        .needsReview: [.screening, .active, .rejected, .takenDown],
        .rejected: [.screening],
        .takenDown: [.screening],
    ]

    public func canMove(to next: ListingStatus) -> Bool { Self.transitions[self]?.contains(next) ?? false }

    /// The state a screening verdict leads to.
    public static func after(_ verdict: Verdict) -> ListingStatus {
        switch verdict {
        case .pass: .active
        case .review: .needsReview
        case .reject: .rejected
        }
    }
}

public struct ListingImage: Sendable, Codable, Hashable {
    public var url: String
    public var alt: String?
    /// Text recognised in the image (OCR), screened like the title.
    public var ocrText: String?
    public init(url: String, alt: String? = nil, ocrText: String? = nil) { self.url = url; self.alt = alt; self.ocrText = ocrText }
}

/// The merchant-editable content of one listing version.
public struct ListingContent: Sendable, Codable, Hashable {
    public var title: String
    public var description: String
    public var attributes: [String: String]
    public var images: [ListingImage]
    public var price: Money
    public var originCountry: String
    public var hsCode: String?
    public var brand: String?
    public var markets: [Market]
    /// Ids of certificates on file (`crt_…`) that cover this product (CMP5).
    public var certifications: [String]
    /// Unit of sale and quantity, e.g. "1 pair", "500 ml" (T/CATIS 030 §5.3.3).
    public var unit: String?
    /// Colour/size and standards deviation statement (§5.3.2 c).
    public var variationNotice: String?
    /// Manufacturer / EU or UK responsible person, name and address (GPSR).
    public var responsiblePerson: String?
    /// The "was" price a discount is computed from; checked against the 30-day low (§5.4.1).
    public var compareAtPrice: Money?

    /// Text fields as the screening engine reads them (image alt and OCR text included).
    public var screeningInput: ScreeningInput {
        ScreeningInput(title: title, description: description,
                       attributes: attributes.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
                           + (brand.map { [(name: "brand", value: $0)] } ?? []),
                       imageTexts: images.map { [$0.alt, $0.ocrText].compactMap { $0 }.joined(separator: " ") })
    }
}

/// A finding plus the market it was found for.
public struct MarketFinding: Sendable, Codable, Hashable {
    public let market: Market
    public let finding: Finding
}

public struct Listing: Sendable {
    public let id: ListingID
    public let merchantId: MerchantID
    public var status: ListingStatus
    public var version: Int
    public var content: ListingContent
    public var verdict: Verdict
    public var findings: [MarketFinding]
    public var catalogueVersion: String
    public var screenedAt: Date
    public var statusReason: String?
    public let createdAt: Date
    public var updatedAt: Date
}
