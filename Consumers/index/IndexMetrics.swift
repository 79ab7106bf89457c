import Metrics

/// The index materializer's own metrics (Prometheus names; rates come from the counters); its
/// dead letters and lag are counted by `ConsumerRuntime`.
struct IndexMetrics: Sendable {
    let events: Counter
    let upserts: Counter
    let deletes: Counter
    let snapshots: Counter
    /// Source event time (document captured) → searchable in this index.
    let freshness: Metrics.Timer
    let liveChunks: Gauge

    init(factory: any MetricsFactory) {
        events = Counter(label: "twinlog_index_events_total", factory: factory)
        upserts = Counter(label: "twinlog_index_chunks_upserted_total", factory: factory)
        deletes = Counter(label: "twinlog_index_chunks_deleted_total", factory: factory)
        snapshots = Counter(label: "twinlog_index_snapshots_total", factory: factory)
        freshness = Metrics.Timer(label: "twinlog_index_freshness_seconds", factory: factory)
        liveChunks = Gauge(label: "twinlog_index_live_chunks", factory: factory)
    }
}
