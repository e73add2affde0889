import Kernel

/// Tables at scale (issue 12 item 6): paging, bulk actions and export.
extension ConsoleStrings {
    static let tables: [String: LocalizedText] = [
        "bulkResult": .init(en: "Bulk action result", zh: "批量操作结果"),
        "bulkOutcome": .init(en: "Result", zh: "结果"),
        "bulkDetail": .init(en: "Reason", zh: "原因"),
        "bulkDone": .init(en: "Done", zh: "已完成"),
        "bulkRefused": .init(en: "Refused", zh: "被拒绝"),
        "backToList": .init(en: "Back to the list", zh: "返回列表"),
        "bulkSelected": .init(en: "Act on the selected rows", zh: "对所选行批量操作"),
        "bulkReason": .init(en: "Reason for every selected row", zh: "所选各行的处理原因"),
        "bulkLimit": .init(en: "At most 200 rows at a time.", zh: "每次最多 200 行。"),
        "selectAll": .init(en: "Select all rows on this page", zh: "选择本页所有行"),
        "selectRow": .init(en: "Select", zh: "选择"),
        "bulkTakeDown": .init(en: "Take down selected", zh: "批量下架"),
        "bulkClearSelected": .init(en: "Clear selected", zh: "批量解除"),
        "bulkApproveSelected": .init(en: "Approve selected", zh: "批量通过"),
        "bulkRejectSelected": .init(en: "Reject selected", zh: "批量驳回"),
        "bulkStartReview": .init(en: "Start review of selected", zh: "批量开始审核"),
        "exportList": .init(en: "Export this list", zh: "导出当前列表"),
        "exportCSVLink": .init(en: "CSV (Excel, UTF-8)", zh: "CSV（Excel，UTF-8）"),
        "exportXLSXLink": .init(en: "Excel workbook (.xlsx)", zh: "Excel 工作簿（.xlsx）"),
        "resolvedAt": .init(en: "Decided at", zh: "处理时间"),
        "searchChanges": .init(en: "Search summary or rule ID", zh: "搜索摘要或规则编号"),
        "listPaging": .init(en: "Pages and export", zh: "分页与导出"),
    ]
}
