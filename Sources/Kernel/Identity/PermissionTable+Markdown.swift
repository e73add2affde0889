/// `docs/permissions.md`, generated from the grant table (`tradelane permissions > docs/permissions.md`); a test keeps
/// the committed file equal to this output.
extension PermissionTable {
    public static func markdown() -> String {
        var out = """
            # Permissions

            Generated from `Sources/Kernel/Identity/Permission.swift` by `tradelane permissions`; do not edit by hand.
            Services check these permissions (the API and the console share them); a test calls every API route with
            every role and compares the answer with this table. Each operation in `/api/openapi.yaml` names its
            permission in `x-permission` (`any`: every role, within its tenant scope; `public`: no key).

            **all**: on every merchant's records. **own merchant**: only on the caller's own merchant's records (other
            merchants' records answer `404`, as if they did not exist).


            """
        let roles = Role.allCases
        out += "| Permission | What it allows | " + roles.map { "`\($0.rawValue)`" }.joined(separator: " | ") + " |\n"
        out += "|---|---|" + roles.map { _ in "---|" }.joined() + "\n"
        var module = ""
        for p in Permission.allCases.sorted(by: { ($0.module, $0.rawValue) < ($1.module, $1.rawValue) }) {
            if p.module != module {
                module = p.module
                out += "| **\(module)** | | " + roles.map { _ in " |" }.joined(separator: "") + "\n"
            }
            let cells = roles.map { role -> String in
                switch scope(of: p, for: role) {
                case .all?: "all"
                case .ownMerchant?: "own merchant"
                case nil: "—"
                }
            }
            out += "| `\(p.rawValue)` | \(p.label.en) / \(p.label.zh) | " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }
}
