/// What a domain module contributes to the platform (issue 11 item 5): its migrations, the background work it runs
/// on the job queue, the SLA clocks it owns, what in it can block a merchant's exit and the personal data it holds. The app assembles a list of
/// modules and derives the migrator, the job worker's handlers and the deadline scanner's sources from it, so adding
/// a module is adding one value to that list (see docs/modules.md).
public protocol PlatformModule: Sendable {
    /// `parties`, `compliance`, … (as in migrations and permissions).
    var name: String { get }
    var migrations: [Migration] { get }
    var jobHandlers: [JobHandler] { get }
    var recurringJobs: [RecurringJob] { get }
    var deadlineSources: [any DeadlineSource] { get }
    var exitBlockers: [any ExitBlocker] { get }
    /// The personal data it holds, for data-subject requests and retention (PRV2, PRV3).
    var personalDataProviders: [any PersonalDataProvider] { get }
}

extension PlatformModule {
    public var jobHandlers: [JobHandler] { [] }
    public var recurringJobs: [RecurringJob] { [] }
    public var deadlineSources: [any DeadlineSource] { [] }
    public var exitBlockers: [any ExitBlocker] { [] }
    public var personalDataProviders: [any PersonalDataProvider] { [] }
}

extension Array where Element == any PlatformModule {
    public var migrations: [Migration] { flatMap(\.migrations) }
    public var jobHandlers: [JobHandler] { flatMap(\.jobHandlers) }
    public var recurringJobs: [RecurringJob] { flatMap(\.recurringJobs) }
    public var deadlineSources: [any DeadlineSource] { flatMap(\.deadlineSources) }
    public var personalDataProviders: [any PersonalDataProvider] { flatMap(\.personalDataProviders) }
    public var exitBlockers: [any ExitBlocker] { flatMap(\.exitBlockers) }
}
