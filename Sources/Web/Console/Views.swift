import Foundation
import Hummingbird
import Kernel
import Mustache
import NIOCore

/// Mustache templates loaded once at start-up; a missing template is a start-up error.
struct Views: Sendable {
    let library: MustacheLibrary
    static let pages = ["login", "dashboard", "merchants", "merchant", "kyc", "api-keys", "notices", "screening", "listings", "error"]

    static func load() async throws -> Views {
        guard let dir = Bundle.module.url(forResource: "templates", withExtension: nil, subdirectory: "Resources") else {
            throw ConfigError.invalid("console templates missing from the bundle")
        }
        let library = try await MustacheLibrary(directory: dir.path)
        for page in pages where library.getTemplate(named: page) == nil {
            throw ConfigError.invalid("console template \(page).mustache missing")
        }
        return Views(library: library)
    }

    func render(_ template: String, _ model: [String: Any], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let html = library.render(model, withTemplate: template) ?? "<!doctype html><title>error</title>template \(template) missing"
        var h = headers
        h[.contentType] = "text/html; charset=utf-8"
        h[.cacheControl] = "no-store"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func errorPage(status: Int, problem: Problem, language: Language) -> Response {
        render("error", [
            "lang": language.rawValue, "t": ConsoleStrings.dictionary(language),
            "status": status, "title": problem.title, "detail": problem.detail,
            "errors": (problem.errors ?? []).map { ["field": $0.field, "message": $0.message] },
            "hasErrors": !(problem.errors ?? []).isEmpty,
        ], status: .init(code: status))
    }
}
