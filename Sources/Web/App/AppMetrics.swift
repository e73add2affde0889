import Foundation
import Prometheus

/// Prometheus registry owned by the app (not the global MetricsSystem, which can be
/// bootstrapped once per process and would clash across test apps).
public final class AppMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    static var requests: MetricNameDescriptor { MetricNameDescriptor(namespace: "tradelane", metricName: "http_requests", unitName: "total",
                                               helpText: "HTTP requests by method, route and status") }
    static var duration: MetricNameDescriptor { MetricNameDescriptor(namespace: "tradelane", metricName: "http_request_duration", unitName: "seconds",
                                               helpText: "HTTP request duration") }
    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5)]

    public init() {}

    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.duration, labels: [("route", route)], buckets: Self.buckets)
            .recordNanoseconds(Int64(seconds * 1_000_000_000))
    }

    /// A business gauge (`tradelane_<name>`) refreshed at scrape time.
    func setGauge(_ name: String, unit: String = "", help: String, labels: [(String, String)] = [], _ value: Double) {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "tradelane", metricName: name, unitName: unit, helpText: help),
                           labels: labels).set(value)
    }
}
