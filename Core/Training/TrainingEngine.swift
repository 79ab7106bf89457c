import Dispatch
import TwinlogGeneration
import TwinlogLinalg

/// Loss and adapter gradients of a batch, data-parallel over threads: each worker runs its share
/// of the batch's sequences through the whole model, every product on the worker's own thread (the
/// per-head attention products are too small to split across threads), and the workers' gradients are
/// summed in a fixed order, so a given thread count always gives bit-identical results.
final class TrainingEngine: @unchecked Sendable {
    let weights: BaseWeights
    let lora: LoRAConfiguration
    private let workers: [GraphWorker]
    private let gradientBuffers: [UnsafeMutablePointer<Float>]
    private let parameterCount: Int

    /// Workers for batches of up to `batchSize` sequences of up to `maxLength` tokens.
    init(weights: BaseWeights, lora: LoRAConfiguration, parameterCount: Int, batchSize: Int, maxLength: Int, threads: Int) {
        let count = max(1, min(threads, batchSize))
        let perWorker = (batchSize + count - 1) / count
        self.weights = weights
        self.lora = lora
        self.parameterCount = parameterCount
        workers = (0..<count).map { _ in GraphWorker(weights: weights, lora: lora, sequences: perWorker, length: maxLength) }
        gradientBuffers = (0..<count).map { _ in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(parameterCount, 1))
            buffer.initialize(repeating: 0, count: max(parameterCount, 1))
            return buffer
        }
    }

    deinit { gradientBuffers.forEach { $0.deallocate() } }

    /// Mean NLL over the batch's target positions, each sequence's Σ NLL and, when `gradients` is
    /// given, the gradient of Σ_s sequenceScales[s] · NLL_s with respect to every adapter value
    /// (overwriting `gradients`); without `sequenceScales` that objective is the mean NLL.
    func run(_ batch: TokenBatch, parameters: LoRAParameters, gradients: UnsafeMutablePointer<Float>?,
             dropoutSeed: UInt64, sequenceScales: [Float]? = nil) -> (meanLoss: Double, targets: Int, sequenceLosses: [Double]) {
        let totalTargets = batch.targetCount
        guard totalTargets > 0 else { return (0, 0, [Double](repeating: 0, count: batch.sequences)) }
        let shares = workerShares(batch.sequences)
        let results = UnsafeMutablePointer<(Double, Int)>.allocate(capacity: shares.count)
        defer { results.deallocate() }
        let scales = sequenceScales ?? [Float](repeating: 1 / Float(totalTargets), count: batch.sequences)
        precondition(scales.count == batch.sequences)
        // Copies in plain buffers, so the worker closure captures pointers only.
        let ids = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * batch.ids.count)
        let scalePointer = UnsafeMutablePointer<Float>.allocate(capacity: batch.sequences)
        let lossPointer = UnsafeMutablePointer<Double>.allocate(capacity: batch.sequences)
        defer { ids.deallocate(); scalePointer.deallocate(); lossPointer.deallocate() }
        ids.initialize(from: batch.ids, count: batch.ids.count)
        (ids + batch.ids.count).initialize(from: batch.targets, count: batch.targets.count)
        scalePointer.initialize(from: scales, count: scales.count)
        parameters.values.withUnsafeBufferPointer { values in
            let job = Job(ids: ids, targets: ids + batch.ids.count, values: values.baseAddress!, results: results,
                          scales: scalePointer, losses: lossPointer)
            let (length, layout, training) = (batch.length, parameters.slots, gradients != nil)
            let work: @Sendable (Int) -> Void = { w in
                let (first, count) = shares[w]
                let gradient = training ? self.gradientBuffers[w] : nil
                gradient?.update(repeating: 0, count: self.parameterCount)
                job.results[w] = self.workers[w].run(GraphWorker.Pass(
                    ids: job.ids + first * length, targets: job.targets + first * length,
                    sequences: count, length: length, firstSequence: first, parameters: job.values,
                    layout: layout, gradients: gradient, scales: job.scales + first, sequenceLoss: job.losses + first,
                    dropoutSeed: dropoutSeed))
            }
            if shares.count == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: shares.count, execute: work) }
        }
        let sequenceLosses = Array(UnsafeBufferPointer(start: lossPointer, count: batch.sequences))
        if let gradients {
            gradients.update(from: gradientBuffers[0], count: parameterCount)
            for w in 1..<max(1, shares.count) { BLAS.axpy(alpha: 1, x: gradientBuffers[w], y: gradients, count: parameterCount) }
        }
        var loss = 0.0, targets = 0
        for w in 0..<shares.count {
            loss += results[w].0
            targets += results[w].1
        }
        return (loss / Double(targets), targets, sequenceLosses)
    }

    /// The (first sequence, count) each worker takes: as even as possible, in order.
    private func workerShares(_ sequences: Int) -> [(Int, Int)] {
        let count = min(workers.count, sequences)
        var shares: [(Int, Int)] = []
        var first = 0
        for w in 0..<count {
            let size = sequences / count + (w < sequences % count ? 1 : 0)
            shares.append((first, size))
            first += size
        }
        return shares
    }

    /// The pointers the worker threads read, in one Sendable box: each thread writes only its
    /// own result slot and gradient buffer.
    private struct Job: @unchecked Sendable {
        let ids: UnsafePointer<Int32>
        let targets: UnsafePointer<Int32>
        let values: UnsafePointer<Float>
        let results: UnsafeMutablePointer<(Double, Int)>
        let scales: UnsafePointer<Float>
        let losses: UnsafeMutablePointer<Double>
    }
}
