import ServiceLifecycle

/// The loop every background service of the app shares: run a tick, wait `interval`, until cancelled or shut down
/// gracefully (the wait wakes at once on shutdown instead of finishing the interval). `tick` gets the tick number.
func runPeriodically(every interval: Duration, _ tick: (Int) async -> Void) async {
    await runPeriodically(every: interval, busyAware: { n in await tick(n); return false })
}

/// The same loop for a tick that stops with work left (it is bounded): when it returns true the next tick starts at
/// once instead of after `interval`, so a backlog drains at full speed while an idle loop still waits.
func runPeriodically(every interval: Duration, busyAware tick: (Int) async -> Bool) async {
    var n = 0
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        let busy = await tick(n)
        n += 1
        if busy { await Task.yield(); continue }
        do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
    }
}
