import Compliance
import Foundation
import Kernel
import Parties
import Testing
@testable import Web

/// Issue 12 item 2: every audit action code the code base writes reads as a sentence in zh and en on a record's
/// timeline. The codes are found in the sources themselves, so a new `AuditEvent(action: "…")` without a label here
/// fails this test instead of showing a raw code to a Chinese operations team.
@Suite struct AuditActionLabelTests {
    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
    }

    /// The codes families built by interpolation expand to (`"listing.\(next.rawValue)"` …), from their enums.
    static let families: [String: [String]] = [
        "listing.": ListingStatus.allCases.map { "listing.\($0.rawValue)" },
        "kyc.": KYCStatus.allCases.map { "kyc.\($0.rawValue)" },
        "takedown.": TakedownCase.Status.allCases.map { "takedown.\($0.rawValue)" },
        "penalty.appeal-": Penalty.AppealOutcome.allCases.map { "penalty.appeal-\($0.rawValue)" },
        "deadline.": DeadlineScanner.Level.allCases.map { "deadline.\($0.rawValue)" },
    ]

    /// Every code written: literal `action: "a.b"` arguments and the expansions of interpolated ones.
    static func writtenCodes() throws -> (codes: Set<String>, unknownFamilies: [String]) {
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        let literal = try Regex(#"action:\s*"([a-z0-9-]+\.[a-z0-9.-]+)""#)
        let interpolated = try Regex(#"action:\s*"([a-z0-9-]+\.[a-z0-9-]*)\\\("#)
        var codes = Set<String>()
        var unknown: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for m in text.matches(of: literal) { codes.insert(String(text[m.output[1].range!])) }
            for m in text.matches(of: interpolated) {
                let prefix = String(text[m.output[1].range!])
                if let family = families[prefix] { codes.formUnion(family) } else { unknown.append("\(file.lastPathComponent): \(prefix)…") }
            }
        }
        return (codes, unknown)
    }

    @Test func everyAuditActionTheCodeWritesHasAZhAndEnLabel() throws {
        let (codes, unknown) = try Self.writtenCodes()
        // The scan itself works: it finds the codes of several modules, static and interpolated.
        #expect(codes.isSuperset(of: ["kyc.submitted", "kyc.approved", "listing.taken-down", "takedown.opened", "penalty.appeal-reduced",
                                      "merchant.exit-requested", "job.retried", "deadline.breached", "webhook.created"]))
        #expect(codes.count >= 60, "only \(codes.count) codes found")
        #expect(unknown.isEmpty, "interpolated action codes of an unknown family: \(unknown) — add the family to `families` and label its codes")
        for code in codes.sorted() {
            let label = AuditActions.labels[code]
            #expect(label != nil, "audit action \(code) has no label in AuditActions.labels")
            guard let label else { continue }
            #expect(!label.en.isEmpty && label.en != code, "\(code): en")
            #expect(label.zh.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF }, "\(code): zh is not Chinese: \(label.zh)")
            #expect(!label.zh.contains(":") && !label.zh.contains(","), "\(code): half-width punctuation in zh: \(label.zh)")
        }
        // A label for a code nobody writes any more is dead text (the families may label every state of their enum).
        let familyCodes = Set(Self.families.values.flatMap { $0 })
        let stale = Set(AuditActions.labels.keys).subtracting(codes).subtracting(familyCodes)
        #expect(stale.isEmpty, "labels for codes nothing writes: \(stale.sorted())")
    }

    @Test func anUnlabelledCodeStillReadsAsASentenceNotARawCode() {
        #expect(AuditActions.sentence("kyc.approved", .zh) == "通过了资质审核")
        #expect(AuditActions.sentence("future.thing", .en) == "recorded future.thing")
        #expect(AuditActions.sentence("future.thing", .zh).hasPrefix("记录了操作"))
    }
}
