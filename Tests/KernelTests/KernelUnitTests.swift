import Foundation
import Kernel
import Testing

@Suite struct LanguageTests {
    @Test(arguments: [("zh-CN,zh;q=0.9,en;q=0.8" as String?, Language.zh), ("en-US,en;q=0.9", .en), ("fr-FR", .en), (nil, .en),
                      ("en;q=0.4, zh-TW;q=0.8", .zh), ("zh;q=0, en", .en)])
    func negotiates(header: String?, expected: Language) {
        #expect(Language.negotiate(header) == expected)
    }
}

enum TestKind: IDKind { static let prefix = "tst" }

@Suite struct IDTests {
    @Test func generatesPrefixedUniqueParseableIDs() throws {
        var seen = Set<String>()
        for _ in 0..<2000 {
            let id = PrefixedID<TestKind>.generate()
            #expect(id.rawValue.hasPrefix("tst_") && id.rawValue.count == 30)
            #expect(try PrefixedID<TestKind>(parsing: id.rawValue) == id)
            seen.insert(id.rawValue)
        }
        #expect(seen.count == 2000)
        #expect(throws: IDError.self) { try PrefixedID<TestKind>(parsing: "mer_0n6a7t5rsk9fx0x6j3drmz6q50") }
        #expect(throws: IDError.self) { try PrefixedID<TestKind>(parsing: "tst_short") }
        #expect(throws: IDError.self) { try PrefixedID<TestKind>(parsing: "tst_0n6a7t5rsk9fx0x6j3drmz6qU0") }
    }

    /// Issue 11 item 3: an ID a caller sends is checked for its kind, so a listing id where a merchant is expected is
    /// refused naming the field, while an unknown merchant id reaches the owner's "no such merchant".
    @Test func callerIDsAreCheckedForTheirKind() throws {
        #expect(try MerchantID.field("mer_nobody", "merchantId") == MerchantID(unchecked: "mer_nobody"))
        #expect(try MerchantID.field(nil, "merchantId") == nil && (try MerchantID.field("", "merchantId")) == nil)
        for bad in ["lst_0n6a7t5rsk9fx0x6j3drmz6q50", "mer_", "mer_a b", "mer_'; DROP", "MER_abc", "mer_" + String(repeating: "a", count: 61)] {
            #expect(throws: ValidationError.self) { try MerchantID.field(bad, "merchantId") }
            do { _ = try MerchantID.field(bad, "merchantId") } catch {
                #expect(error.fieldErrors.map(\.field) == ["merchantId"] && error.fieldErrors[0].code == "invalid-id")
            }
        }
        var v = Validator()
        #expect(v.id("usr_x", ListingID.self, field: "listingId") == nil)
        #expect(v.id(nil, MerchantID.self, field: "merchantId", required: true) == nil)
        #expect(v.id("lst_ok1", ListingID.self, field: "other") == ListingID(unchecked: "lst_ok1"))
        #expect(v.errors.map(\.field) == ["listingId", "merchantId"] && v.errors.map(\.code) == ["invalid-id", "required"])
    }
}

/// K6: field encryption and blind index.
@Suite struct FieldCipherTests {
    let cipher = try! FieldCipher(masterKeyText: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")

    @Test func roundTripsAndBindsContext() throws {
        let sealed = try cipher.seal("91440300MA5FXXXX1K", context: "kyc.regno")
        #expect(!sealed.contains("91440300"))
        #expect(try cipher.open(sealed, context: "kyc.regno") == "91440300MA5FXXXX1K")
        #expect(try cipher.seal("same", context: "c") != cipher.seal("same", context: "c"))   // random nonce
        #expect(throws: FieldCipherError.authenticationFailed) { try cipher.open(sealed, context: "users.phone") }
    }

    @Test func detectsTampering() throws {
        let sealed = try cipher.seal("6222 0000 1111 2222", context: "bank")
        var bytes = Array(Data(base64Encoded: String(sealed.dropFirst(3)))!)
        bytes[bytes.count / 2] ^= 0x01
        #expect(throws: FieldCipherError.authenticationFailed) {
            try cipher.open("v1." + Data(bytes).base64EncodedString(), context: "bank")
        }
        #expect(throws: FieldCipherError.malformedCiphertext) { try cipher.open("plain", context: "bank") }
        let other = try FieldCipher(masterKeyText: String(repeating: "ab", count: 32))
        #expect(throws: FieldCipherError.authenticationFailed) { try other.open(sealed, context: "bank") }
    }

    @Test func blindIndexIsDeterministicNormalisedAndKeyed() throws {
        let a = cipher.blindIndex("91440300ma5fxxxx1k", context: "regno")
        #expect(a == cipher.blindIndex(" 91440300-MA5F XXXX1K ", context: "regno"))
        #expect(a != cipher.blindIndex("91440300MA5FXXXX1K", context: "other"))
        let other = try FieldCipher(masterKeyText: String(repeating: "ab", count: 32))
        #expect(a != other.blindIndex("91440300MA5FXXXX1K", context: "regno"))
        #expect(throws: FieldCipherError.invalidMasterKey) { try FieldCipher(masterKeyText: "too-short") }
    }
}

@Suite struct ValidatorTests {
    @Test func collectsEveryBadField() {
        var v = Validator()
        v.text("", field: "name")
        _ = v.email("not-an-email", field: "contactEmail")
        _ = v.country("ZZ", field: "country")
        _ = v.currency("EURO", field: "settlementCurrency")
        _ = v.date("2025-13-01", field: "licenceExpiresOn")
        v.text("bad\u{0007}bell", field: "address")
        #expect(v.errors.map(\.field) == ["name", "contactEmail", "country", "settlementCurrency", "licenceExpiresOn", "address"])
        #expect(throws: ValidationError.self) { try v.finish() }
        var ok = Validator()
        #expect(ok.currency("JPY", field: "c") == "JPY")
        #expect(ok.email(" Ops@Example.COM ", field: "e") == "ops@example.com")
        #expect(ok.errors.isEmpty)
    }
}
