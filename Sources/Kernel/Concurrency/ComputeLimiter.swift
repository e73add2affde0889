import Foundation
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs CPU-heavy work (screening large texts) on its own threads, never on the request event loops or Swift's
/// cooperative pool, with bounded concurrency (CMP2): at most `threads` jobs run and at most `queue` wait; anything
/// beyond is refused at once with `ComputeBusyError` (503 + Retry-After) instead of piling up behind the others.
/// Health checks and ordinary requests keep their threads however many hostile requests arrive.
public final class ComputeLimiter: Sendable {
    public let threads: Int
    public let queue: Int
    let pool: NIOThreadPool
    /// Jobs admitted per lane: the default lane (`queue` waiting places) and the lane of callers that bring their own
    /// bound (`waitingPlaces`), so queued listing saves never make ad-hoc screenings bounce and vice versa.
    let admitted = Mutex([0, 0])

    /// One thread fewer than the machine has cores (at least one), shared by the whole process.
    public static let shared = ComputeLimiter(threads: max(1, ProcessInfo.processInfo.activeProcessorCount - 1), queue: 8)

    public init(threads: Int, queue: Int) {
        self.threads = max(1, threads)
        self.queue = max(0, queue)
        pool = NIOThreadPool(numberOfThreads: self.threads)
        pool.start()
    }

    /// Jobs of the default lane running or waiting now.
    public var inFlight: Int { admitted.withLock { $0[0] } }

    /// Throws `ComputeBusyError` when every thread and waiting place is taken: lets a handler refuse before it even
    /// reads and decodes a large body (`run` still enforces the bound).
    public func checkCapacity() throws(ComputeBusyError) {
        if inFlight >= threads + queue { throw ComputeBusyError(retryAfterSeconds: 1) }
    }

    /// Runs `work` on the pool. `waitingPlaces` puts the job in a second lane with that bound instead of `queue`, for
    /// callers that should rather wait than fail (listing saves: already bounded by the field limits and by their
    /// transaction; a merchant's save should not bounce because ad-hoc screenings fill the queue). Both lanes share
    /// the threads, first come first served.
    public func run<T: Sendable>(waitingPlaces: Int? = nil, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let lane = waitingPlaces == nil ? 0 : 1
        let limit = threads + (waitingPlaces ?? queue)
        let ok = admitted.withLock { n -> Bool in
            guard n[lane] < limit else { return false }
            n[lane] += 1
            return true
        }
        guard ok else { throw ComputeBusyError(retryAfterSeconds: 1) }
        defer { admitted.withLock { $0[lane] -= 1 } }
        return try await pool.runIfActive {
            Self.lowerThreadPriority()
            return try work()
        }
    }

    /// Screening threads run at nice 10: when a core is contended, the request threads (health checks, ordinary
    /// requests) win it. A no-op after the first call on a thread, and where /proc is absent.
    static func lowerThreadPriority() {
        #if os(Linux)
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self"),
              let tid = Int32(link.split(separator: "/").last ?? "") else { return }
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        if getpriority(which, id_t(tid)) < niceness { _ = setpriority(which, id_t(tid), niceness) }
        #endif
    }
    static let niceness: Int32 = 10

    /// Stops the threads (tests that make their own limiter).
    public func shutdown() async throws { try await pool.shutdownGracefully() }
}

/// Errors that tell the client when to try again (`Retry-After`).
public protocol RetryAfterError: Error {
    var retryAfterSeconds: Int { get }
}

/// Every compute slot and queue place is taken.
public struct ComputeBusyError: AppError, RetryAfterError, Equatable {
    public let retryAfterSeconds: Int
    public init(retryAfterSeconds: Int) { self.retryAfterSeconds = retryAfterSeconds }
    public var code: String { "busy" }
    public var kind: ErrorKind { .unavailable }
    public var title: LocalizedText { LocalizedText(en: "Server busy", zh: "服务器繁忙") }
    public var detail: LocalizedText {
        LocalizedText(en: "Too many screenings are running; retry after \(retryAfterSeconds) s.",
                      zh: "正在进行的筛查过多，请 \(retryAfterSeconds) 秒后重试。")
    }
}
