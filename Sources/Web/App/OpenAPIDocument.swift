import Foundation
import NIOCore
import Yams

/// The OpenAPI document, kept as one file per module (issue 11 item 5): `Resources/openapi/openapi.yaml` holds what
/// every module shares (info, tags, components), each `paths-<module>.yaml` that module's operations. Assembled once
/// at start-up, in this order and with the keys in their written order, and served as one `/api/openapi.yaml`.
public enum OpenAPIDocument {
    /// Modules in the order their paths appear in the served document.
    public static let modules = ["parties", "compliance", "operations", "webhooks", "notifications", "system"]

    public enum AssemblyError: Error, CustomStringConvertible {
        case missing(String)
        case notAMapping(String)
        case duplicatePath(String, String)
        public var description: String {
            switch self {
            case .missing(let f): "\(f) is missing from the bundle"
            case .notAMapping(let f): "\(f) must be a YAML mapping with a `paths` mapping"
            case .duplicatePath(let p, let f): "path \(p) in \(f) is already described by another module"
            }
        }
    }

    static func resource(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Resources/openapi") else {
            throw AssemblyError.missing("\(name).yaml")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The whole document as YAML text.
    public static func text() throws -> String {
        guard case .mapping(let base)? = try Yams.compose(yaml: try resource("openapi")) else { throw AssemblyError.notAMapping("openapi.yaml") }
        var paths: [(Node, Node)] = []
        var seen = Set<String>()
        for module in modules {
            let file = "paths-\(module).yaml"
            guard case .mapping(let doc)? = try Yams.compose(yaml: try resource("paths-\(module)")),
                  case .mapping(let items)? = doc["paths"] else { throw AssemblyError.notAMapping(file) }
            for (key, value) in items {
                let path = key.string ?? ""
                guard seen.insert(path).inserted else { throw AssemblyError.duplicatePath(path, file) }
                paths.append((key, value))
            }
        }
        // `paths` goes where the shared file would have it: before `components`.
        var pairs: [(Node, Node)] = []
        for (key, value) in base {
            if key.string == "components" { pairs.append((Node("paths"), .mapping(Node.Mapping(paths)))) }
            pairs.append((key, value))
        }
        return try Yams.serialize(node: .mapping(Node.Mapping(pairs)), width: -1, allowUnicode: true)
    }

    static func load() throws -> ByteBuffer {
        ByteBuffer(string: try text())
    }
}
