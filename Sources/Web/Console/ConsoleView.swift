import Mustache
import Synchronization

/// A console page's typed model (issue 11 item 5): its stored properties are the names its template reads, so a
/// misspelt or missing field is a compile error in the page that fills it. swift-mustache reads structs by reflection;
/// a nil Optional counts as absent (the lookup climbs to the enclosing section, then to the chrome), as a missing
/// dictionary key did. Only stored properties are visible to templates.
protocol PageModel: Sendable {
    /// The Mustache template (Resources/templates/<template>.mustache).
    static var template: String { get }
    /// The navigation entry marked current (`nav_<nav>` in the header).
    static var nav: String { get }
    /// ConsoleStrings key of the `<title>` (a model with its own stored `pageTitle` overrides it).
    static var titleKey: String { get }
}

extension PageModel {
    static var nav: String { template }
    static var titleKey: String { template }
}

/// What every console page's header and footer read: language, strings, navigation, the signed-in user, CSRF token,
/// unread badge and flash (filled by `ConsoleRoutes.chrome`).
struct ConsoleChrome: Sendable {
    struct User: Sendable {
        let displayName: String
        let email: String
        let role: String
    }

    struct FlashMessage: Sendable {
        let message: String
        let isError: Bool
    }

    let lang: String
    let t: [String: String]
    let isZh: Bool
    let path: String
    var pageTitle: String
    /// Read by the header as `nav_<nav>` (true for this entry only).
    let nav: String
    var user: User?
    var csrf: String?
    var isOperator = false
    var isReviewer = false
    var isAdmin = false
    var isOperatorAdmin = false
    /// Navigation entries this person may open (`ConsoleNav`), read as `{{#may.kyc}}`.
    var may: [String: Bool] = [:]
    var hasUnread = false
    var unreadCount = 0
    var flash: FlashMessage?

    /// The stored property names (what a template can read from the chrome).
    static let fieldNames = Set(Mirror(reflecting: ConsoleChrome(lang: "", t: [:], isZh: false, path: "", pageTitle: "", nav: ""))
        .children.compactMap(\.label))
}

/// The object a template is rendered with: the page's model first, then the chrome (so a page can override a chrome
/// value, e.g. the login form's CSRF token). The error page has no chrome (it may be rendered before a session exists).
struct ConsoleView<Page: PageModel>: MustacheParent, Sendable {
    let page: Page
    let chrome: ConsoleChrome?

    func child(named name: String) -> Any? {
        if let value = Self.stored(name, in: page) { return value }
        if name.hasPrefix("nav_") { return chrome.flatMap { name == "nav_" + $0.nav ? true : nil } }
        if let chrome, let value = Self.stored(name, in: chrome) { return value }
        // Every enclosing section has been searched before the root: a name no model declares is a template typo or a
        // field missing from the model (an absent Optional is declared). Noted so a test can fail on it.
        if !declares(name) { ConsoleViewAudit.note("\(Page.template): \(name)") }
        return nil
    }

    /// Whether the chrome, the page model or a row type in it has a stored property of this name (a nil Optional in a
    /// row is looked up here too, after the row).
    func declares(_ name: String) -> Bool {
        ConsoleChrome.fieldNames.contains(name) || Self.declares(name, in: page)
    }

    /// Searches structs, the first element of arrays and present Optionals (rows of one array share a type).
    static func declares(_ name: String, in value: Any) -> Bool {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .struct:
            return mirror.children.contains { $0.label == name || declares(name, in: $0.value) }
        case .optional, .collection:
            return mirror.children.first.map { declares(name, in: $0.value) } ?? false
        default:
            return false
        }
    }

    /// A stored property by name, a nil Optional as absent (as swift-mustache's own reflection does).
    static func stored(_ name: String, in object: Any) -> Any? {
        guard let value = Mirror(reflecting: object).children.first(where: { $0.label == name })?.value else { return nil }
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }
}

/// Names templates asked for that no model declares ("template: name", at most 100), for tests to fail on.
enum ConsoleViewAudit {
    private static let unknown = Mutex(Set<String>())

    static func note(_ name: String) {
        unknown.withLock { if $0.count < 100 { $0.insert(name) } }
    }

    static var unknownNames: Set<String> { unknown.withLock { $0 } }
}

/// A `<select>` option or filter link.
struct Option: Sendable {
    let value: String
    let label: String
    let selected: Bool
}

/// An option without a selection (forms that start empty).
struct Choice: Sendable {
    let value: String
    let label: String
}

/// A filter option with the number of records in it.
struct CountedOption: Sendable {
    let value: String
    let label: String
    let selected: Bool
    let count: Int
}

/// The error page (any status): also what `ProblemMiddleware` shows for console requests.
struct ErrorPageModel: PageModel {
    static let template = "error"
    struct FieldError: Sendable {
        let field: String
        let message: String
    }

    let lang: String
    let t: [String: String]
    let status: Int
    let title: String
    let detail: String
    let errors: [FieldError]
    let hasErrors: Bool
}
