import Hummingbird
import Kernel
import NIOCore
import Parties

/// Per-request state set by middleware: who is calling, in which language.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var session: AccessService.Session?
    public var language: Language = .en
    /// Unread inbox notifications of the session's user, for the header badge (console GET pages only).
    public var unreadNotifications: Int = 0
    /// The peer of the connection (nil in router tests); see `ConsoleRoutes.clientAddress` for proxies.
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Bodies above this are refused with 413 (documents included).
    public var maxUploadSize: Int { 2 * 1024 * 1024 }

    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw CommonError.unauthorized }
        return principal
    }
}
