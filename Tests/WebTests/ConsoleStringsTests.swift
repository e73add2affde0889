import Kernel
import Testing
@testable import Web

/// Issue 12 item 4: the console's text comes from one table per feature area; a key defined in two areas would make
/// one of the two texts silently unreachable.
@Suite struct ConsoleStringsTests {
    @Test func noKeyIsDefinedInTwoAreas() {
        var seen: [String: String] = [:]
        var clashes: [String] = []
        for part in ConsoleStrings.parts {
            for key in part.table.keys {
                if let other = seen[key] { clashes.append("\(key): \(other) and \(part.area)") }
                seen[key] = part.area
            }
        }
        #expect(clashes.isEmpty, "\(clashes.sorted())")
        #expect(ConsoleStrings.table.count == seen.count)
    }

    @Test func everyStringHasBothLanguages() {
        let empty = ConsoleStrings.table.filter { $0.value(.en).isEmpty || $0.value(.zh).isEmpty }.keys.sorted()
        #expect(empty.isEmpty, "\(empty)")
    }
}
