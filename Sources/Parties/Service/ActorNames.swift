import Foundation
import Kernel
import SQLKit

/// Who an audit actor id (`usr_…`, `key_…`, `system:…`) is, as a person reading a record's history may see it
/// (issue 12 items 2 and 3: names, not ids).
public struct ActorName: Sendable, Equatable {
    public enum Kind: String, Sendable { case user, apiKey = "api-key", system }
    public let id: String
    public let kind: Kind
    /// The person's display name or the key's name; nil when the reader may not see it (an operator's staff member
    /// seen by a merchant is shown by role only) or when the id is unknown.
    public let name: String?
    public let role: Role?

    public init(id: String, kind: Kind, name: String?, role: Role?) {
        self.id = id; self.kind = kind; self.name = name; self.role = role
    }
}

extension UserService {
    /// At most this many ids are looked up at once (one timeline page holds fewer actors).
    public static let maxActorLookup = 200

    /// Names and roles of the actors behind `ids`, for `p`. Unlike `get`, this needs no `users.read`: the history of a
    /// record the caller may already open names who acted on it. The tenant wall holds: a merchant caller gets names
    /// only for its own merchant's people and keys; operators' staff come back by role only; another merchant's people
    /// come back unnamed.
    public func actors(_ ids: [String], by p: Principal) async throws -> [String: ActorName] {
        let wanted = Array(Set(ids)).sorted().prefix(Self.maxActorLookup)
        let userIds = wanted.filter { $0.hasPrefix("usr_") }
        let keyIds = wanted.filter { $0.hasPrefix("key_") }
        struct Row: Decodable, Sendable { let id: String; let merchantId: String?; let name: String; let role: String }
        let (users, keys) = try await ctx.db.read { sql -> ([Row], [Row]) in
            let u = userIds.isEmpty ? [] : try await sql.select().column("id").column("merchant_id").column(SQLIdentifier("display_name"), as: "name")
                .column("role").from("users").where("id", .in, userIds)
                .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            let k = keyIds.isEmpty ? [] : try await sql.select().columns("id", "merchant_id", "name", "role").from("api_keys")
                .where("id", .in, keyIds).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
            return (u, k)
        }
        var out: [String: ActorName] = [:]
        func visible(_ r: Row, _ kind: ActorName.Kind) -> ActorName {
            let role = Role(rawValue: r.role)
            let rowMerchant = r.merchantId.map(MerchantID.init(unchecked:))
            switch p.scope {
            case .operatorWide:
                return ActorName(id: r.id, kind: kind, name: r.name, role: role)
            case .merchant(let own):
                if rowMerchant == own { return ActorName(id: r.id, kind: kind, name: r.name, role: role) }
                // The platform's staff act on a merchant's records; the merchant sees the role, not the person.
                if rowMerchant == nil, role?.isOperator == true { return ActorName(id: r.id, kind: kind, name: nil, role: role) }
                return ActorName(id: r.id, kind: kind, name: nil, role: nil)
            }
        }
        for r in users { out[r.id] = visible(r, .user) }
        for r in keys { out[r.id] = visible(r, .apiKey) }
        for id in wanted where out[id] == nil {
            out[id] = id == "system" || id.hasPrefix("system:") || id.hasPrefix("notifications")
                ? ActorName(id: id, kind: .system, name: nil, role: nil)
                : ActorName(id: id, kind: id.hasPrefix("key_") ? .apiKey : .user, name: nil, role: nil)
        }
        return out
    }
}
