/// Kernel's own part of the platform: its migrations (audit log, idempotency, jobs, deadline escalations) and the
/// `system.probe` job operators use to check every instance's worker.
public struct KernelModule: PlatformModule {
    let jobs: JobQueue
    public init(jobs: JobQueue) { self.jobs = jobs }
    public var name: String { "kernel" }
    public var migrations: [Migration] { KernelMigrations.all }
    public var jobHandlers: [JobHandler] { [SystemProbe(queue: jobs).handler] }
}
