import ArgumentParser
import Kernel

/// Prints the grant table as Markdown: `tradelane permissions > docs/permissions.md` (issue 11 item 4).
struct PermissionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "permissions",
                                                    abstract: "Print who may do what (the grant table) as Markdown, for docs/permissions.md.")

    func run() throws {
        print(PermissionTable.markdown(), terminator: "")
    }
}
