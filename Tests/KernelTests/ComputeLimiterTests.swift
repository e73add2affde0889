import Foundation
import Kernel
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// CMP2: CPU-heavy work runs on the limiter's own threads, at most threads + queue at once; beyond that it is refused
/// at once (503 + Retry-After upstream) instead of queueing without bound.
@Suite struct ComputeLimiterTests {
    /// Holds pool threads until opened (no sleeping: the test decides when work may finish).
    final class Gate: Sendable {
        let semaphore = DispatchSemaphore(value: 0)
        func wait() { semaphore.wait() }
        func open(_ n: Int) { for _ in 0..<n { semaphore.signal() } }
    }

    @Test func refusesBeyondThreadsPlusQueue() async throws {
        let limiter = ComputeLimiter(threads: 1, queue: 1)
        let gate = Gate()
        async let a = limiter.run { gate.wait(); return 1 }
        async let b = limiter.run { gate.wait(); return 2 }
        while limiter.inFlight < 2 { await Task.yield() }
        #expect(throws: ComputeBusyError.self) { try limiter.checkCapacity() }
        let busy = await #expect(throws: ComputeBusyError.self) { try await limiter.run { 3 } }
        #expect(busy?.retryAfterSeconds == 1 && busy?.kind == .unavailable)
        // A caller with its own bound queues in its own lane instead, and does not take the default lane's places.
        async let c = limiter.run(waitingPlaces: 2) { gate.wait(); return 3 }
        await #expect(throws: ComputeBusyError.self) { try await limiter.run { 3 } }
        #expect(limiter.inFlight == 2)
        gate.open(3)
        #expect(try await a + b + c == 6)
        #expect(limiter.inFlight == 0)
        #expect(throws: Never.self) { try limiter.checkCapacity() }
        #expect(try await limiter.run { 4 } == 4)
        try await limiter.shutdown()
    }

    @Test func workRunsOnTheLimitersOwnThreads() async throws {
        let limiter = ComputeLimiter(threads: 2, queue: 0)
        let name = try await limiter.run { Thread.current.name ?? "" }
        #expect(name.hasPrefix("TP-#"), "ran on \(name)")   // NIOThreadPool's threads, not the cooperative pool
        #if os(Linux)
        // At a lower priority than the request threads.
        let nice = try await limiter.run { () -> Int32 in
            let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
            return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(Int32(link.split(separator: "/").last ?? "") ?? 0))
        }
        #expect(nice >= 10)
        #endif
        try await limiter.shutdown()
    }
}
