/// Something that can stop a merchant from closing (open orders, open disputes, an unsettled balance …): each module
/// that holds such business registers one at start-up; Parties asks them all before a store closes and never reads
/// their tables (DESIGN rules of the house; issue 11 item 3).
public protocol ExitBlocker: Sendable {
    /// Why `merchantId` may not close now, in both languages; empty when nothing in this module holds it.
    func blockers(merchantId: MerchantID) async throws -> [LocalizedText]
}
