import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import NIOCore

/// `Idempotency-Key` on every API POST: the same key and body replays the stored response,
/// the same key with a different body is a 409, and a concurrent duplicate is a 409 too.
/// Keys are scoped per merchant tenant, and per credential on the operator side.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let store: IdempotencyStore
    static let header = HTTPField.Name("Idempotency-Key")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[Self.header], let principal = context.principal else {
            return try await next(request, context)
        }
        guard !key.isEmpty, key.count <= 255 else {
            throw ValidationError(field: "Idempotency-Key", code: "invalid", en: "Idempotency-Key must be 1–255 characters.",
                                  zh: "Idempotency-Key 长度须为 1–255 个字符。")
        }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        // Per merchant tenant; operator-side per credential, so two operator integrations never collide.
        let scope = principal.merchantId ?? "operator:\(principal.actorId)"
        var hasher = Data("\(request.method.rawValue) \(request.uri.path)?\(request.uri.query ?? "")\n".utf8)
        hasher.append(contentsOf: body.readableBytesView)
        let hash = Digest.sha256Hex(hasher)
        switch try await store.claim(scope: scope, key: key, requestHash: hash) {
        case .replay(let stored):
            var headers: HTTPFields = [.contentType: stored.contentType]
            headers[.init("Idempotent-Replayed")!] = "true"
            if let loc = stored.location { headers[.location] = loc }
            return Response(status: .init(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: stored.body)))
        case .mismatch:
            throw CommonError.idempotencyKeyReused
        case .inProgress:
            throw CommonError.idempotencyKeyInProgress
        case .proceed:
            break
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Client errors are part of the outcome and replay; our own failures free the key for a retry.
            let (status, problem) = ProblemMiddleware.problem(for: error, language: context.language, path: request.uri.path, logger: context.logger)
            if status >= 500 || status == 409 && (problem.code.hasPrefix("idempotency")) {
                try? await store.abandon(scope: scope, key: key)
                throw error
            }
            let rendered = ProblemMiddleware.response(status: status, problem: problem)
            return try await remember(rendered, scope: scope, key: key)
        }
        if response.status.code >= 500 {
            try? await store.abandon(scope: scope, key: key)
            return response
        }
        return try await remember(response, scope: scope, key: key)
    }

    private func remember(_ response: Response, scope: String, key: String) async throws -> Response {
        let collector = BodyCollector()
        var response = response
        try await response.body.write(collector)
        let bytes = collector.buffer
        try await store.complete(scope: scope, key: key, response: .init(
            status: Int(response.status.code), contentType: response.headers[.contentType] ?? "application/json",
            body: Data(bytes.readableBytesView), location: response.headers[.location]))
        response.body = .init(byteBuffer: bytes)
        return response
    }
}

/// Collects a response body so it can be stored and replayed.
final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    var buffer = ByteBuffer()
    func write(_ buffer: ByteBuffer) async throws {
        var b = buffer
        self.buffer.writeBuffer(&b)
    }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
