import ServiceLifecycle

/// The loop every background service of the app shares: run a tick, wait `interval`, until cancelled or shut down
/// gracefully (the wait wakes at once on shutdown instead of finishing the interval). `tick` gets the tick number.
func runPeriodically(every interval: Duration, _ tick: (Int) async -> Void) async {
    var n = 0
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        await tick(n)
        n += 1
        do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
    }
}
