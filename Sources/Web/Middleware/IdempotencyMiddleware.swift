import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import NIOCore
import Synchronization

/// `Idempotency-Key` on every API POST: the same key and body replays the stored response,
/// the same key with a different body is a 409, and a concurrent duplicate waits for the first
/// and replays it. Keys belong to one credential (as Stripe scopes them per API key): another
/// credential of the same merchant, or the same person with another role, never sees the
/// stored outcome. The request runs inside the transaction that stores its response, so a
/// retry after a crash either replays or runs for the first time, never twice.
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
        let owner = IdempotencyStore.Owner(scope: "cred:\(principal.actorId)", role: principal.role.rawValue)
        var fingerprinted = Data("\(request.method.rawValue) \(request.uri.path)?\(request.uri.query ?? "")\n".utf8)
        fingerprinted.append(contentsOf: body.readableBytesView)
        let hash = store.fingerprint(fingerprinted)
        if let found = try await store.find(owner: owner, key: key, requestHash: hash) {
            return try Self.answer(found)
        }
        // The first answer keeps all its headers; a replay has the stored content type and location.
        let firstHeaders = Mutex(HTTPFields())
        // The transaction runs its closure inline in this request's task, so `next` is still called from here.
        let outcome = try await withoutActuallyEscaping(next) { next in
            let handler = InlineCall(next)
            return try await store.perform(owner: owner, key: key, requestHash: hash) { [request, context] in
                var response: Response
                do {
                    response = try await handler.call(request, context)
                } catch {
                    // Client errors are part of the outcome and replay; our own failures roll back and free the key.
                    let (status, problem) = ProblemMiddleware.problem(for: error, language: context.language, path: request.uri.path, logger: context.logger)
                    if status >= 500 { throw error }
                    response = ProblemMiddleware.response(status: status, problem: problem)
                }
                firstHeaders.withLock { $0 = response.headers }
                return try await Self.collect(response)
            }
        }
        switch outcome {
        case .ran(let stored), .failed(let stored):
            var response = Self.response(stored, replayed: false)
            response.headers = firstHeaders.withLock { $0 }
            return response
        case .found(let found): return try Self.answer(found)
        case .inProgress: throw CommonError.idempotencyKeyInProgress
        }
    }

    private static func answer(_ found: IdempotencyStore.Found) throws -> Response {
        switch found {
        case .replay(let stored): return response(stored, replayed: true)
        case .mismatch: throw CommonError.idempotencyKeyReused
        case .roleChanged: throw CommonError.idempotencyKeyReused
        }
    }

    private static func response(_ stored: IdempotencyStore.StoredResponse, replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: stored.contentType]
        if replayed { headers[.init("Idempotent-Replayed")!] = "true" }
        if let loc = stored.location { headers[.location] = loc }
        return Response(status: .init(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: stored.body)))
    }

    private static func collect(_ response: Response) async throws -> IdempotencyStore.StoredResponse {
        let collector = BodyCollector()
        try await response.body.write(collector)
        return .init(status: Int(response.status.code), contentType: response.headers[.contentType] ?? "application/json",
                     body: Data(collector.buffer.readableBytesView), location: response.headers[.location])
    }
}

/// The rest of the middleware chain, handed to a closure that the database runs inline in the same task (never
/// concurrently, never after the request): the compiler cannot see that, hence unchecked.
struct InlineCall: @unchecked Sendable {
    let call: (Request, AppRequestContext) async throws -> Response
    init(_ call: @escaping (Request, AppRequestContext) async throws -> Response) { self.call = call }
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
