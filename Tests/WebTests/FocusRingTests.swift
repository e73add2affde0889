import Foundation
import NIOCore
import Testing
@testable import Web

/// Issue 12 item 12: keyboard focus is visible: every focusable control gets a ring with at least 3:1 contrast
/// against the page (WCAG 1.4.11), measured from the console's own stylesheet.
@Suite struct FocusRingTests {
    /// WCAG relative luminance of `#rrggbb`.
    static func luminance(_ hex: String) -> Double {
        let v = Int(hex.dropFirst(), radix: 16)!
        func channel(_ c: Int) -> Double {
            let s = Double(c) / 255
            return s <= 0.03928 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(v >> 16 & 0xff) + 0.7152 * channel(v >> 8 & 0xff) + 0.0722 * channel(v & 0xff)
    }

    static func contrast(_ a: String, _ b: String) -> Double {
        let (la, lb) = (luminance(a), luminance(b))
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    }

    @Test func everyControlHasAFocusRingWithEnoughContrast() throws {
        let css = String(buffer: ConsoleAssets.css)
        let rule = try #require(css.components(separatedBy: "}").first { $0.contains("button:focus-visible") })
        let (selectors, body) = (rule.components(separatedBy: "{")[0], rule.components(separatedBy: "{")[1])
        for element in ["button", "a", "input", "select", "textarea", "summary"] {
            #expect(selectors.contains("\(element):focus-visible"), "\(element) has no focus ring")
        }
        let outline = try #require(body.firstMatch(of: /outline:\s*(\d+)px solid (#[0-9a-fA-F]{6})/))
        #expect(Int(outline.1)! >= 2)
        let background = try #require(css.firstMatch(of: /--bg:(#[0-9a-fA-F]{6})/)).1
        for surface in ["#ffffff", String(background)] {
            #expect(Self.contrast(String(outline.2), surface) >= 3, "ring \(outline.2) on \(surface)")
        }
        // The white band inside the ring keeps it visible on the dark header (brand colour).
        let brand = try #require(css.firstMatch(of: /--brand:(#[0-9a-fA-F]{6})/)).1
        #expect(body.contains("box-shadow:0 0 0 2px #fff") && Self.contrast("#ffffff", String(brand)) >= 3)
    }
}
