import Metrics

/// The feature consumer's own metrics (Prometheus names; rates come from the counters); its dead
/// letters and lag are counted by `ConsumerRuntime`.
struct FeatureMetrics: Sendable {
    let changeEvents: Counter
    let chunksEmbedded: Counter
    let chunksUnchanged: Counter
    let chunksRemoved: Counter
    let duplicates: Counter
    let embedSeconds: Metrics.Timer
    let batchSeconds: Metrics.Timer

    init(factory: any MetricsFactory) {
        changeEvents = Counter(label: "twinlog_features_change_events_total", factory: factory)
        chunksEmbedded = Counter(label: "twinlog_features_chunks_embedded_total", factory: factory)
        chunksUnchanged = Counter(label: "twinlog_features_chunks_unchanged_total", factory: factory)
        chunksRemoved = Counter(label: "twinlog_features_chunks_removed_total", factory: factory)
        duplicates = Counter(label: "twinlog_features_duplicate_changes_total", factory: factory)
        embedSeconds = Metrics.Timer(label: "twinlog_features_embed_seconds", factory: factory)
        batchSeconds = Metrics.Timer(label: "twinlog_features_batch_seconds", factory: factory)
    }
}
