import Foundation
import NIOCore

enum ConsoleAssets {
    static let css: ByteBuffer = {
        guard let url = Bundle.module.url(forResource: "console", withExtension: "css", subdirectory: "Resources/static"),
              let data = try? Data(contentsOf: url) else { return ByteBuffer(string: "") }
        return ByteBuffer(bytes: data)
    }()
}
