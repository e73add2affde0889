import Foundation
import Hummingbird
import Kernel
import NIOCore

/// Strict JSON request decoding with field-level errors, and JSON responses.
enum JSONIO {
    /// Decodes `T` from the body. Malformed JSON → 400; a wrong type or unknown field → 422
    /// naming the field (null means "absent": 422 `required` where the field is needed, no change
    /// in a PATCH); over the upload limit → 413; a non-JSON content type → 415.
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: AppRequestContext,
                                     allowedKeys: Set<String>, allowEmpty: Bool = false) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw CommonError.payloadTooLarge(limitBytes: context.maxUploadSize)
        }
        if let ct = request.headers[.contentType], !ct.lowercased().contains("json"), buffer.readableBytes > 0 {
            throw CommonError.unsupportedMediaType(ct)
        }
        var data = Data(buffer.readableBytesView)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard allowEmpty else { throw CommonError.malformedBody("the body is empty") }
            data = Data("{}".utf8)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            // A number the parser cannot hold (1e400) names its field; anything else is malformed.
            let scan = JSONKeyScan.scan(data)
            if let bad = scan.numbers.first(where: { Double($0.literal).map { !$0.isFinite } ?? false }) {
                throw JSONKeyScan.numberError(bad.path, bad.literal)
            }
            throw CommonError.malformedBody("not valid JSON")
        }
        guard let dict = object as? [String: Any] else { throw CommonError.malformedBody("expected a JSON object") }
        let scan = JSONKeyScan.scan(data)
        if let dup = scan.duplicateKey { throw JSONKeyScan.duplicateError(dup) }
        let unknown = dict.keys.filter { !allowedKeys.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw ValidationError(unknown.map { FieldError(field: $0, code: "unknown-field",
                                                           message: LocalizedText(en: "\($0) is not a field of this request.",
                                                                                  zh: "\($0) 不是此请求的字段。")) })
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            // Every number field of the API is an integer: a fraction or a number beyond Int64 names its field (422).
            if case .dataCorrupted = error, let bad = JSONKeyScan.firstNonInteger(scan) { throw JSONKeyScan.numberError(bad.path, bad.literal) }
            throw fieldError(error)
        }
    }

    static func fieldError(_ error: DecodingError) -> any Error {
        func path(_ ctx: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            let keys = ctx.codingPath + (key.map { [$0] } ?? [])
            let p = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let ctx):
            let f = path(ctx)
            let name = type == String.self ? "a string" : (type == Bool.self ? "true or false" : (type is any Numeric.Type ? "a number" : "\(type)"))
            let zh = type == String.self ? "字符串" : (type == Bool.self ? "布尔值" : (type is any Numeric.Type ? "数字" : "\(type)"))
            return ValidationError(field: f, code: "wrong-type", en: "\(f) must be \(name).", zh: "\(f) 必须是\(zh)。")
        case .valueNotFound(_, let ctx):
            let f = path(ctx)
            return ValidationError(field: f, code: "null", en: "\(f) must not be null.", zh: "\(f) 不能为 null。")
        case .keyNotFound(let key, let ctx):
            let f = path(ctx, key)
            return ValidationError(field: f, code: "required", en: "\(f) is required.", zh: "\(f) 为必填项。")
        case .dataCorrupted(let ctx):
            let f = path(ctx)
            if f.isEmpty { return CommonError.malformedBody(ctx.debugDescription) }
            return ValidationError(field: f, code: "invalid", en: "\(f) is invalid: \(ctx.debugDescription)", zh: "\(f) 无效：\(ctx.debugDescription)")
        @unknown default:
            return CommonError.malformedBody("undecodable")
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, location: String? = nil) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let location { headers[.location] = location }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// Query-string helpers with validation errors that name the parameter.
struct Query {
    let request: Request
    func string(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
    }
    /// A console search box: HTML forms send spaces as `+`.
    func formText(_ name: String) -> String? {
        string(name)?.replacingOccurrences(of: "+", with: " ")
    }
    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let s = string(name) else { return nil }
        guard let v = Int(s), range.contains(v) else {
            throw ValidationError(field: name, code: "out-of-range", en: "\(name) must be an integer in \(range.lowerBound)…\(range.upperBound).",
                                  zh: "\(name) 必须是 \(range.lowerBound)…\(range.upperBound) 之间的整数。")
        }
        return v
    }
    func enumValue<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) throws -> E? where E.RawValue == String {
        guard let s = string(name) else { return nil }
        guard let v = E(rawValue: s) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError(field: name, code: "invalid", en: "\(name) must be one of \(allowed).", zh: "\(name) 的取值无效，可选值：\(E.allCases.map(\.rawValue).joined(separator: "、"))。")
        }
        return v
    }
}

/// `{"reason": "…"}` — the body of every command that records why (also decoded, empty, by commands without input).
struct ReasonBody: Decodable {
    let reason: String?
    static let keys: Set<String> = ["reason"]
}

/// `{"data": [...], "next": "…"}` (DESIGN API conventions).
struct ListDTO<T: Encodable>: Encodable {
    let data: [T]
    let next: String?
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(data, forKey: .data)
        try c.encode(next, forKey: .next)
    }
    enum CodingKeys: String, CodingKey { case data, next }
}

extension AppRequestContext {
    /// A path segment as an ID of the kind the call expects (issue 11 item 3). Not parsed: a malformed id matches no
    /// row, so the service answers with its own 404, exactly as for an unknown one.
    func pathID<Kind>(_ name: String = "id") throws -> PrefixedID<Kind> {
        PrefixedID(unchecked: try parameters.require(name))
    }
}

extension Query {
    /// An optional ID filter (`?merchantId=mer_…`); a malformed one is a validation error naming the parameter.
    func id<Kind>(_ name: String, _ type: PrefixedID<Kind>.Type) throws -> PrefixedID<Kind>? {
        try PrefixedID<Kind>.field(string(name), name)
    }
}
