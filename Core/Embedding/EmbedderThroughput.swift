import Foundation

/// How much an embedder has computed and how fast: counts and busy time since it was created.
public struct EmbedderThroughput: Sendable, Equatable {
    /// Texts embedded.
    public var texts = 0
    /// Token ids run through the model, `[CLS]` and `[SEP]` included.
    public var tokens = 0
    /// Seconds spent tokenizing and computing (not waiting in the queue).
    public var seconds = 0.0

    /// Texts per busy second.
    public var textsPerSecond: Double { seconds > 0 ? Double(texts) / seconds : 0 }
    /// Tokens per busy second.
    public var tokensPerSecond: Double { seconds > 0 ? Double(tokens) / seconds : 0 }
}

/// The running total behind `Embedder.throughput`, readable from any thread.
final class ThroughputMeter: @unchecked Sendable {
    // Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var value = EmbedderThroughput()

    var total: EmbedderThroughput { lock.withLock { value } }

    func record(texts: Int, tokens: Int, seconds: Double) {
        lock.withLock {
            value.texts += texts
            value.tokens += tokens
            value.seconds += seconds
        }
    }
}
