import Foundation
import Kernel
import Parties
import Testing
import TestSupport

/// Issue 10: bidirectional controls and zero-width characters in names are refused with 422 naming the field.
@Suite struct NameHygieneTests {
    static let password = "correct horse battery"

    @Test func namesWithBidiOrZeroWidthCharactersAreRefused() async throws {
        try await Harness.with { h in
            for (name, bad) in [("Admin\u{202E}fdp.exe", true), ("Chen\u{200B}Jie", true), ("\u{2066}Ops\u{2069}", true), ("Zhou\u{FEFF}", true),
                                ("Zhou\u{2060}Min", true), ("周敏 Zhou Min", false)] {
                let input = UserInput(email: "u\(UUID().uuidString.prefix(6))@shop.cn", displayName: name, password: NameHygieneTests.password, role: "finance")
                if bad {
                    let e = await #expect(throws: ValidationError.self) { try await h.parties.users.create(input, by: h.op) }
                    #expect(e?.fieldErrors.map(\.field) == ["displayName"] && e?.fieldErrors.first?.code == "invisible-characters")
                } else {
                    _ = try await h.parties.users.create(input, by: h.op)
                }
            }
            let m = await #expect(throws: ValidationError.self) {
                try await h.parties.merchants.create(MerchantInput(name: "Apple\u{202E}moc", legalName: "Legal\u{200D}Name", country: "CN",
                                                                   contactEmail: "x@y.cn"), by: h.op)
            }
            #expect(Set(m?.fieldErrors.map(\.field) ?? []) == ["name", "legalName"])
        }
    }
}
