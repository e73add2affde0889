import Foundation
import Kernel

public enum CertificationKind: IDKind { public static let prefix = "crt" }
public typealias CertificationID = PrefixedID<CertificationKind>

/// A certificate or licence on file (C 4.2.3c): CE, FCC, CCC, FDA, UN38.3 … It clears a restricted-goods
/// finding only while valid, and buyers see it on the public listing page (CMP5).
public struct Certification: Sendable {
    public enum Status: String, Sendable, Codable, CaseIterable { case valid, expired, revoked }

    /// Types the catalogue asks for, for the console's picker; any other well-formed code is accepted.
    public static let commonTypes = ["CE", "UKCA", "FCC", "CCC", "FDA", "CPSC-CPC", "PSE", "RCM", "SASO", "UN38.3", "MSDS", "CPNP",
                                     "NMPA", "CITES", "DOT", "EPA", "halal", "import-licence", "phytosanitary"]

    public let id: CertificationID
    public let merchantId: MerchantID
    public var type: String
    public var number: String
    public var issuer: String
    public var issuedOn: LocalDate?
    public var expiresOn: LocalDate?
    public var status: Status
    public var fileName: String?
    public var contentType: String?
    public var fileSha256: String?
    public let createdBy: String
    public let createdAt: Date
    public var updatedAt: Date

    /// Valid on `day`: not revoked and not past its expiry date (the expiry day itself still counts).
    public func isValid(on day: LocalDate) -> Bool {
        status != .revoked && (expiresOn.map { day <= $0 } ?? true)
    }

    public func state(on day: LocalDate) -> Status { status == .revoked ? .revoked : isValid(on: day) ? .valid : .expired }
}
