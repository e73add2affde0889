import Foundation
import NIOCore

enum ConsoleAssets {
    static let css = load("console", "css")
    static let js = load("console", "js")
    static let faviconSVG = load("favicon", "svg")
    static let faviconICO = load("favicon", "ico")

    static func load(_ name: String, _ ext: String) -> ByteBuffer {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources/static"),
              let data = try? Data(contentsOf: url) else { return ByteBuffer(string: "") }
        return ByteBuffer(bytes: data)
    }
}
