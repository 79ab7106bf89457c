import Foundation
import TwinlogIndex
import TwinlogSink

/// Rebuilds an index from the earliest offsets of `twin.chunks`, without the embedder (the
/// embeddings are in the events), and saves it as the snapshot when a path is configured.
public enum IndexReplay {
    /// What a replay did.
    public struct Outcome: Sendable {
        public var records = 0
        public var chunks = 0
        public var seconds = 0.0
    }

    /// Applies every record up to the end offsets seen at the start; returns the index and what
    /// was done. A running materializer keeps its own snapshot: give the replay another path, or
    /// stop it first.
    public static func run(_ configuration: IndexMaterializer.Configuration,
                           timeout: Duration = .seconds(86_400)) async throws -> (VectorIndex, Outcome) {
        let started = ContinuousClock.now
        let materializer = try await IndexMaterializer(configuration, resume: false)
        let ends = try await materializer.endOffsets()
        var outcome = Outcome()
        // Done at the end offsets once a poll finds nothing more: some brokers (Tansu) report an
        // end offset inside the last batch.
        while true {
            guard ContinuousClock.now - started < timeout else {
                await materializer.shutdown()
                throw IndexMaterializerError(description: "the replay did not reach the end offsets \(ends) within \(timeout)")
            }
            let applied = try await materializer.step(timeout: .milliseconds(500)).records
            outcome.records += applied
            if applied == 0, materializer.hasReached(ends) { break }
        }
        try await materializer.snapshot()
        await materializer.shutdown()
        outcome.chunks = materializer.index.count
        let elapsed = (ContinuousClock.now - started).components
        outcome.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        return (materializer.index, outcome)
    }
}
