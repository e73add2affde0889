import Foundation
import Hummingbird
import Kernel

/// Bulk actions on selected rows (issue 12 item 6). Each row is decided through the same service call as the single
/// action (its own transaction, permission check and audit entry), so one refusal neither stops nor undoes the
/// others; the page then lists every row as done or refused, with the reason in the reader's language.
enum BulkAction {
    /// Largest selection one request acts on.
    static let maxBatch = 200

    /// The form of a bulk action: its fields and the selected ids (`ids`, repeated).
    struct Form: Sendable {
        let fields: FormFields
        let ids: [String]
    }

    static func form(_ r: Request, _ c: AppRequestContext) async throws -> Form {
        var r = r
        let text = String(buffer: try await r.collectBody(upTo: c.maxUploadSize))
        var ids: [String] = []
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2, kv[0] == "ids" else { continue }
            let value = String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            if !value.isEmpty, !ids.contains(value) { ids.append(value) }
        }
        return Form(fields: FormFields(text), ids: ids)
    }

    /// The selection, or a validation error naming `ids` when it is empty or larger than a batch may be.
    static func checked(_ ids: [String]) throws -> [String] {
        if ids.isEmpty {
            throw ValidationError(field: "ids", code: "required", en: "Select at least one row.", zh: "请至少选择一行。")
        }
        if ids.count > maxBatch {
            throw ValidationError(field: "ids", code: "too-many",
                                  en: "A bulk action takes at most \(maxBatch) rows; \(ids.count) were selected.",
                                  zh: "批量操作每次最多 \(maxBatch) 行，本次选择了 \(ids.count) 行。")
        }
        return ids
    }

    /// One row's outcome.
    struct Outcome: Sendable {
        let id: String
        let record: String
        let done: Bool
        let status: String
        let detail: String
    }

    /// Runs `act` once per id, in order; an `AppError` is that row's refusal (its message in `lang`).
    static func run(_ ids: [String], lang: Language, name: (String) async -> String,
                    act: (String) async throws -> Void) async throws -> [Outcome] {
        var out: [Outcome] = []
        for id in ids {
            let record = await name(id)
            do {
                try await act(id)
                out.append(Outcome(id: id, record: record, done: true, status: ConsoleStrings.text("bulkDone", lang), detail: ""))
            } catch let e as any AppError {
                let detail = e.fieldErrors.isEmpty ? e.detail(lang) : e.fieldErrors.map { $0.message(lang) }.joined(separator: " ")
                out.append(Outcome(id: id, record: record, done: false, status: ConsoleStrings.text("bulkRefused", lang), detail: detail))
            }
        }
        return out
    }
}

/// Which list a bulk result belongs to (its nav entry and the way back).
protocol BulkArea: Sendable {
    static var nav: String { get }
}

enum TakedownsArea: BulkArea { static var nav: String { "takedowns" } }
enum ListingsArea: BulkArea { static var nav: String { "listings" } }
enum KYCArea: BulkArea { static var nav: String { "kyc" } }

/// The per-row result of a bulk action.
struct BulkResultPageModel<Area: BulkArea>: PageModel {
    static var template: String { "bulk-result" }
    static var nav: String { Area.nav }
    static var titleKey: String { "bulkResult" }

    struct Row: Sendable {
        let id: String
        let record: String
        let done: Bool
        let status: String
        let detail: String
    }

    let action: String
    let summary: String
    let rows: [Row]
    let backHref: String

    init(action: String, outcomes: [BulkAction.Outcome], backHref: String, lang: Language) {
        self.action = action
        let done = outcomes.filter(\.done).count
        summary = LocalizedText(en: "\(done) done, \(outcomes.count - done) refused.", zh: "已完成 \(done) 条，被拒绝 \(outcomes.count - done) 条。")(lang)
        rows = outcomes.map { Row(id: $0.id, record: $0.record, done: $0.done, status: $0.status, detail: $0.detail) }
        self.backHref = backHref
    }
}
