import Metrics
import Prometheus
import Synchronization

/// A Prometheus registry with a swift-metrics factory that records into it, and its text
/// exposition. Components record through `factory`; whoever serves or inspects metrics renders.
public struct MetricsRegistry: Sendable {
    public let prometheus: PrometheusCollectorRegistry
    /// Histogram buckets suit Twinlog's latencies (freshness and batch durations, 5 ms to 60 s).
    public let factory: any MetricsFactory

    /// A new, empty registry (tests give each component one of its own).
    public init() {
        prometheus = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: prometheus)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60),
        ]
        self.factory = factory
    }

    /// The registry's metrics in the Prometheus text exposition format (version 0.0.4).
    public func render() -> String { prometheus.emitToString() }
}

/// The one home of Twinlog's metrics plumbing: the process-wide registry, swift-metrics
/// bootstrapped onto it once, and the exposition's content type.
///
/// Components take the factory to record with in their configuration, `TwinlogMetrics.factory`
/// by default, so a test can hand a component a registry of its own and read exact values
/// without seeing other components of the same process.
public enum TwinlogMetrics {
    /// The process-wide registry.
    public static let shared = MetricsRegistry()

    /// A swift-metrics factory over the process-wide registry.
    public static var factory: any MetricsFactory { shared.factory }

    /// The HTTP content type of `MetricsRegistry.render()`'s output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Bootstraps swift-metrics with the process-wide factory, so libraries that record through
    /// the global `MetricsSystem` land in the same registry. Safe to call more than once.
    public static func bootstrap() {
        bootstrapped.withLock { done in
            guard !done else { return }
            MetricsSystem.bootstrap(shared.factory)
            done = true
        }
    }

    private static let bootstrapped = Mutex(false)
}
