import Foundation
import Prometheus

/// Prometheus registry owned by the app (not the global MetricsSystem, which can be
/// bootstrapped once per process and would clash across test apps).
public final class AppMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    public init() {}

    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        registry.makeCounter(name: "tradelane_http_requests_total",
                             labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(name: "tradelane_http_request_duration_seconds", labels: [("route", route)],
                                       buckets: [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250),
                                                 .milliseconds(1000), .seconds(5)])
            .recordNanoseconds(Int64(seconds * 1_000_000_000))
    }

    func setGauge(_ name: String, labels: [(String, String)] = [], _ value: Double) {
        registry.makeGauge(name: name, labels: labels).set(value)
    }
}
