import Kernel

/// What every console page shares: the routes' plumbing, the services and the zh/en strings.
protocol ConsolePage {
    var routes: ConsoleRoutes { get }
}

extension ConsolePage {
    var services: AppServices { routes.services }
    static func t(_ key: String, _ lang: Language) -> String { ConsoleStrings.text(key, lang) }
}
