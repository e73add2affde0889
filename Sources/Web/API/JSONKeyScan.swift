import Foundation
import Kernel

/// A pass over JSON text for what JSONSerialization lets through or reports without a field name (issue 10):
/// a key repeated in one object (the last value would silently win), and number literals that are not
/// integers or do not fit in 64 bits. Paths read like the decoder's (`attributes.colour`, `items[2].qty`).
enum JSONKeyScan {
    struct Result {
        var duplicateKey: String?
        /// Number literals with their paths, in document order.
        var numbers: [(path: String, literal: String)] = []
    }

    private struct Frame {
        var isObject: Bool
        var keys: Set<String> = []
        var path: String
        var pendingKey: String?
        var index = 0
        func child() -> String {
            if isObject { let k = pendingKey ?? ""; return path.isEmpty ? k : path + "." + k }
            return path + "[\(index)]"
        }
    }

    static func scan(_ data: Data) -> Result {
        let bytes = [UInt8](data)
        var result = Result()
        var stack: [Frame] = []
        var lastString: String?
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""):
                var j = i + 1
                var escaped = false
                while j < bytes.count, bytes[j] != UInt8(ascii: "\"") {
                    if bytes[j] == UInt8(ascii: "\\") { escaped = true; j += 1 }
                    j += 1
                }
                let end = min(j, bytes.count)
                lastString = escaped ? (try? JSONDecoder().decode(String.self, from: Data(bytes[i..<min(end + 1, bytes.count)])))
                                     : String(decoding: bytes[(i + 1)..<end], as: UTF8.self)
                i = end + 1
                continue
            case UInt8(ascii: ":"):
                if let key = lastString, !stack.isEmpty, stack[stack.count - 1].isObject {
                    if stack[stack.count - 1].keys.contains(key), result.duplicateKey == nil {
                        stack[stack.count - 1].pendingKey = key
                        result.duplicateKey = stack[stack.count - 1].child()
                    }
                    stack[stack.count - 1].keys.insert(key)
                    stack[stack.count - 1].pendingKey = key
                }
            case UInt8(ascii: ","):
                if !stack.isEmpty { stack[stack.count - 1].index += 1 }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let path = stack.last?.child() ?? ""
                stack.append(Frame(isObject: b == UInt8(ascii: "{"), path: path))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var j = i
                while j < bytes.count, "+-.eE0123456789".utf8.contains(bytes[j]) { j += 1 }
                result.numbers.append((stack.last?.child() ?? "", String(decoding: bytes[i..<j], as: UTF8.self)))
                i = j
                continue
            default:
                break
            }
            if b != UInt8(ascii: ":") && b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09 { lastString = nil }
            i += 1
        }
        return result
    }

    /// The first number literal that is not a whole number within Int64 (with its path), if any.
    static func firstNonInteger(_ r: Result) -> (path: String, literal: String)? {
        r.numbers.first { Int64($0.literal) == nil }
    }

    static func duplicateError(_ path: String) -> ValidationError {
        ValidationError(field: path, code: "duplicate-key", en: "\(path) appears more than once in the same JSON object.",
                        zh: "\(path) 在同一 JSON 对象中出现了多次。")
    }

    static func numberError(_ path: String, _ literal: String) -> ValidationError {
        let shown = literal.count > 40 ? String(literal.prefix(40)) + "…" : literal
        return ValidationError(field: path, code: "not-an-integer",
                               en: "\(path) must be a whole number between -9223372036854775808 and 9223372036854775807 (got \(shown)).",
                               zh: "\(path) 必须是 -9223372036854775808 至 9223372036854775807 之间的整数（收到 \(shown)）。")
    }
}
