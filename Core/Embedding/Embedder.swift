import Dispatch
import Foundation
import TwinlogText
import TwinlogRuntime

/// Sentence embeddings from all-MiniLM-L6-v2 (or another BERT sentence-transformers model with
/// mean pooling), computed in-process on OpenBLAS: 384 floats of unit length per text.
///
/// Guarantees: results match sentence-transformers (ids exactly; values within 1e-5, see the
/// tests); any text is accepted (longer ones are truncated to 256 word pieces); safe to call from
/// concurrent tasks — calls queue on one serial dispatch queue, off the cooperative thread pool,
/// so forward passes never compete for cores; throughput is counted (`throughput`).
///
/// Parallelism: each batch is split into `threads` shards of about equal token counts, and each
/// shard runs the whole encoder on its own thread, each product on that thread alone. Splitting
/// the products would synchronize on every one of the thousands of small per-head attention
/// products (measured here with threaded OpenBLAS: 0.3–0.8 ms each with 2 threads on a busy
/// machine against 17–50 µs on one).
public final class Embedder: Sendable {
    /// How many texts one forward pass takes, by default.
    public static let defaultBatchSize = 32

    /// The tokenizer, whose ids the model reads.
    public let tokenizer: WordPieceTokenizer
    /// The length of every embedding.
    public let dimension: Int
    /// Texts per forward pass.
    public let batchSize: Int
    /// Threads one forward pass runs on.
    public let threads: Int
    /// The model folder the weights came from.
    public let modelDirectory: URL

    private let encoder: BertEncoder
    private let workspaces: [EncoderWorkspace]
    private let queue = DispatchQueue(label: "twinlog.embedder", qos: .userInitiated)
    private let meter = ThroughputMeter()

    /// Loads the model in `modelDirectory` (config.json, model.safetensors, vocab.txt and, when
    /// present, sentence_bert_config.json for the maximum sequence length). `batchSize` and
    /// `threads` must be positive.
    public init(modelDirectory: URL, batchSize: Int = Embedder.defaultBatchSize,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        precondition(batchSize > 0 && threads > 0, "batch size and threads must be positive")
        let configuration = try BertConfiguration(contentsOf: modelDirectory.appendingPathComponent("config.json"))
        let maxLength = try Self.maxSequenceLength(in: modelDirectory, configuration: configuration)
        let vocabularyURL = modelDirectory.appendingPathComponent("vocab.txt")
        let tokenizer = try WordPieceTokenizer(vocabularyFile: vocabularyURL, maxLength: maxLength)
        guard tokenizer.vocabulary.count == configuration.vocabularySize else {
            throw EmbedderModelError(path: vocabularyURL.path, reason:
                "holds \(tokenizer.vocabulary.count) tokens but config.json declares vocab_size \(configuration.vocabularySize)")
        }
        let file = try SafeTensorsFile(path: modelDirectory.appendingPathComponent("model.safetensors").path)
        encoder = BertEncoder(weights: try BertWeights(file: file, configuration: configuration))
        self.tokenizer = tokenizer
        self.dimension = configuration.hiddenSize
        self.batchSize = batchSize
        self.threads = threads
        self.modelDirectory = modelDirectory
        workspaces = (0..<threads).map { _ in EncoderWorkspace() }
    }

    /// Loads the model found by `EmbedderModelLocator` (explicit path, environment, project venv).
    public convenience init(locatingModelAt explicitPath: String? = nil, batchSize: Int = Embedder.defaultBatchSize,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        try self.init(modelDirectory: EmbedderModelLocator.locate(explicitPath: explicitPath), batchSize: batchSize,
                      threads: threads)
    }

    /// The embeddings of `texts`, in order.
    public func embed(_ texts: [String]) async -> [[Float]] {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.compute(texts)) }
        }
    }

    /// The embedding of one text.
    public func embed(_ text: String) async -> [Float] {
        await embed([text])[0]
    }

    /// The embeddings of `texts`, blocking the calling thread (for command-line tools and tests;
    /// never call it from the embedder's own work).
    public func embedSynchronously(_ texts: [String]) -> [[Float]] {
        queue.sync { compute(texts) }
    }

    /// Work done since the embedder was created.
    public var throughput: EmbedderThroughput { meter.total }

    /// Tokenizes, sorts by length (longest first, as sentence-transformers does) so each batch
    /// holds similar lengths, runs each batch's shards in parallel and puts the rows back in the
    /// callers' order.
    private func compute(_ texts: [String]) -> [[Float]] {
        let clock = ContinuousClock()
        let start = clock.now
        let sequences = texts.map(tokenizer.encode)
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        var results = [[Float]](repeating: [], count: texts.count)
        let output = UnsafeMutableBufferPointer<Float>.allocate(capacity: batchSize * dimension)
        defer { output.deallocate() }
        // Each shard writes only its own rows of `output`.
        nonisolated(unsafe) let rows = output.baseAddress!
        for batchStart in stride(from: 0, to: order.count, by: batchSize) {
            let members = Array(order[batchStart..<min(batchStart + batchSize, order.count)])
            let shards = Self.shards(of: members, lengths: { sequences[$0].count }, count: threads)
            let firstRows = shards.reduce(into: [0]) { $0.append($0.last! + $1.count) }
            DispatchQueue.concurrentPerform(iterations: shards.count) { shard in
                encoder.embed(shards[shard].map { sequences[$0] }, workspace: workspaces[shard],
                              into: rows + firstRows[shard] * dimension)
            }
            for (row, index) in shards.joined().enumerated() {
                results[index] = Array(output[row * dimension..<(row + 1) * dimension])
            }
        }
        meter.record(texts: texts.count, tokens: sequences.reduce(0) { $0 + $1.count },
                     seconds: (clock.now - start).inSeconds)
        return results
    }

    /// Splits `members` (longest first) into at most `count` non-empty groups of similar total
    /// length: each goes to the group with the fewest tokens so far.
    private static func shards(of members: [Int], lengths: (Int) -> Int, count: Int) -> [[Int]] {
        var groups = [[Int]](repeating: [], count: min(count, members.count))
        var totals = [Int](repeating: 0, count: groups.count)
        for member in members {
            let lightest = totals.indices.min { totals[$0] < totals[$1] }!
            groups[lightest].append(member)
            totals[lightest] += lengths(member)
        }
        return groups
    }

    private static func maxSequenceLength(in directory: URL, configuration: BertConfiguration) throws -> Int {
        let url = directory.appendingPathComponent("sentence_bert_config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return min(256, configuration.maxPositions) }
        guard let data = try? Data(contentsOf: url),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let length = json["max_seq_length"] as? Int, (2...configuration.maxPositions).contains(length) else {
            throw EmbedderModelError(path: url.path, reason:
                "needs max_seq_length between 2 and max_position_embeddings (\(configuration.maxPositions))")
        }
        return length
    }
}

