import Foundation
import Kernel

/// The JSON body of a delivery: `{id, type, createdAt, merchantId, entity, entityId, data}` with keys in that order,
/// `data` being the event's own JSON object unchanged. The same event always serialises to the same bytes, so a
/// resend carries an identical body (with a fresh signature timestamp).
public enum WebhookPayload {
    public static func body(_ e: DomainEvent) -> Data {
        func quoted(_ s: String) -> String {
            let data = try! JSONEncoder().encode([s])
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        let data = (try? JSONSerialization.jsonObject(with: Data(e.data.utf8))) is [String: Any] ? e.data : "{}"
        let merchant = e.merchantId.map { quoted($0.rawValue) } ?? "null"
        let text = #"{"id":\#(quoted(e.id.rawValue)),"type":\#(quoted(e.type)),"createdAt":\#(quoted(e.occurredAt.rfc3339)),"#
            + #""merchantId":\#(merchant),"entity":\#(quoted(e.entity)),"entityId":\#(quoted(e.entityId)),"data":\#(data)}"#
        return Data(text.utf8)
    }
}
