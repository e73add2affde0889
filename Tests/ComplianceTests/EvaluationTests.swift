import Compliance
import Foundation
import Testing

/// CMP7: the bundled catalogue on the labelled evaluation set (Tests/Fixtures/screening-eval.jsonl).
/// A regression guard: a catalogue or engine change that drops accuracy below 98% fails here.
@Suite struct EvaluationTests {
    static var fixture: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/screening-eval.jsonl")
    }

    @Test func bundledCatalogueMeetsTheAccuracyTarget() throws {
        let items = try EvaluationReport.load(jsonLines: String(contentsOf: Self.fixture, encoding: .utf8))
        #expect(items.count >= 300)
        let report = try EvaluationReport.run(items, catalogue: CatalogueCSV.bundled())
        #expect(report.accuracy >= 0.98, "\(report.render())")
        // Nothing that must be rejected may pass.
        #expect((report.confusion[.reject]?[.pass] ?? 0) == 0)
    }

    @Test func reportCountsPerCategory() throws {
        let line = #"{"id":"t1","market":"US","title":"Genuine ivory bangle","expected":"reject","categories":["prohibited"]}"#
            + "\n" + #"{"id":"t2","market":"US","title":"Cotton tote","expected":"review","categories":["restricted"]}"#
        let report = try EvaluationReport.run(try EvaluationReport.load(jsonLines: line), catalogue: CatalogueCSV.bundled())
        #expect(report.total == 2 && report.verdictCorrect == 1)
        let restricted = try #require(report.categories.first { $0.category == "restricted" })
        #expect(restricted.falseNegatives == 1 && restricted.recall == 0)
        #expect(report.render().contains("verdict accuracy:  50.00%"))
    }
}
