import Foundation
import Hummingbird
import HummingbirdTesting
import Kernel
import NIOCore
import Parties
import Testing
import TestSupport
@testable import Web

/// Issue 11 item 4 (K3): permissions are data. Every API operation names its permission in the OpenAPI document
/// (`x-permission`); this walks every operation with every role and compares the answer with the grant table.
@Suite struct PermissionMatrixTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Operation {
        let method: String
        let path: String
        let permission: String
        let body: String?
        /// Set for a body that is not JSON (a file upload): its content type.
        let contentType: String?
    }

    static func operations() throws -> [Operation] {
        let paths = try #require(try OpenAPITests.spec()["paths"] as? [String: [String: Any]])
        var out: [Operation] = []
        for (path, item) in paths {
            for (method, raw) in item where ["get", "post", "put", "patch", "delete"].contains(method) {
                let op = try #require(raw as? [String: Any])
                let permission = try #require(op["x-permission"] as? String, "\(method) \(path) names no x-permission")
                let contents = (op["requestBody"] as? [String: Any])?["content"] as? [String: Any] ?? [:]
                let content = contents["application/json"] as? [String: Any]
                var body: String?
                var contentType: String?
                if let example = content?["example"] {
                    body = String(decoding: try JSONSerialization.data(withJSONObject: example), as: UTF8.self)
                } else if content != nil {
                    body = "{}"
                } else if contents["application/pdf"] != nil {
                    body = "%PDF-1.4 test"
                    contentType = "application/pdf"
                }
                out.append(Operation(method: method.uppercased(), path: path, permission: permission, body: body, contentType: contentType))
            }
        }
        return out.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    @Test func everyOperationNamesAKnownPermissionAndEveryPermissionGuardsARoute() throws {
        let ops = try Self.operations()
        let known = Set(Permission.allCases.map(\.rawValue)).union(["any", "public"])
        for op in ops { #expect(known.contains(op.permission), "\(op.method) \(op.path): \(op.permission)") }
        let used = Set(ops.map(\.permission))
        for p in Permission.allCases { #expect(used.contains(p.rawValue), "no route checks \(p.rawValue)") }
        #expect(ops.count >= 80)
    }

    @Test func everyRouteAnswersEveryRoleAsTheTableSays() async throws {
        let ops = try Self.operations().filter { $0.permission != "public" }
        try await WebHarness.with(approvedKYC: true) { h, c in
            let system = Principal.system("test")
            var keys: [(Role, String)] = []
            for role in Role.allCases {
                let merchant = role.isOperator ? nil : h.merchantA.id.rawValue
                let (_, key) = try await h.services.parties.access.createKey(name: role.rawValue, role: role.rawValue, merchantId: merchant, by: system)
                keys.append((role, key))
            }
            // Operator admin last: its successful writes (a new merchant, a policy) must not change what others see.
            keys.sort { ($0.0 == .operatorAdmin ? 1 : 0, $0.0.rawValue) < ($1.0 == .operatorAdmin ? 1 : 0, $1.0.rawValue) }
            var mismatches: [String] = []
            var checked = 0
            for op in ops {
                // Records that do not exist: the answer may be 404, but never a refusal for a role that holds the permission.
                let uri = op.path.replacingOccurrences(of: "{country}", with: "ZZ")
                    .replacingOccurrences(of: #"\{[^}]+\}"#, with: "zz_00000000000000000000000000", options: .regularExpression)
                for (role, key) in keys {
                    let response: (status: HTTPResponse.Status, headers: HTTPFields, json: [String: Any], raw: ByteBuffer)
                    if let type = op.contentType {
                        response = try await c.call(HTTPRequest.Method(op.method)!, uri + "?kind=business-licence&filename=l.pdf", key: key,
                                                    body: ByteBuffer(string: op.body ?? ""), headers: [.contentType: type])
                    } else {
                        response = try await c.call(HTTPRequest.Method(op.method)!, uri, key: key, json: op.body)
                    }
                    let status = response.status.code
                    checked += 1
                    let where_ = "\(role.rawValue) \(op.method) \(op.path)"
                    if op.permission == "any" {
                        if status == 401 || status == 403 { mismatches.append("\(where_): \(status), expected allowed") }
                        continue
                    }
                    let permission = Permission(rawValue: op.permission)!
                    // A refusal by the table names the permission; finer rules (which roles one may grant, another
                    // merchant in the body) refuse with their own reason.
                    let deniedByTable = status == 403 && (response.json.str("detail") ?? "").contains("(permission \(permission.rawValue))")
                    switch PermissionTable.scope(of: permission, for: role) {
                    case nil:
                        // A merchant role meets the tenant wall first: another merchant's record does not exist for it.
                        let hidden = !role.isOperator && status == 404 && op.path.contains("{")
                        if !deniedByTable && !hidden { mismatches.append("\(where_): \(status), expected 403 naming \(permission.rawValue)") }
                    case .all?:
                        if status == 401 || deniedByTable { mismatches.append("\(where_): \(status), expected allowed") }
                    case .ownMerchant?:
                        if status == 401 || (deniedByTable && !op.path.contains("{")) { mismatches.append("\(where_): \(status), expected allowed") }
                        // On a record that is not its own merchant's: refused or not found, never done.
                        if op.path.contains("{"), (200..<300).contains(Int(status)) { mismatches.append("\(where_): \(status) on a foreign record") }
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
            #expect(checked == ops.count * Role.allCases.count)
        }
    }

    @Test func theRefusalNamesThePermissionInTheCallersLanguage() async throws {
        try await WebHarness.with { h, c in
            let zh = try await c.call(.post, "/api/v1/merchants", key: h.keyA, json: #"{"name":"X","country":"CN","contactEmail":"x@x.cn"}"#,
                                      headers: [.acceptLanguage: "zh-CN"])
            #expect(zh.status == .forbidden && zh.json.str("detail") == "您的角色（商户管理员）无权创建商户。")
            let en = try await c.call(.post, "/api/v1/merchants", key: h.keyA, json: #"{"name":"X","country":"CN","contactEmail":"x@x.cn"}"#)
            #expect(en.json.str("detail") == "Your role (Merchant admin) may not create merchants (permission merchants.create).")
        }
    }

    @Test func docsPermissionsIsGeneratedFromTheTable() throws {
        let committed = try String(contentsOf: Self.repo.appendingPathComponent("docs/permissions.md"), encoding: .utf8)
        #expect(committed == PermissionTable.markdown(), "docs/permissions.md is stale: run `swift run tradelane permissions > docs/permissions.md`")
    }
}
