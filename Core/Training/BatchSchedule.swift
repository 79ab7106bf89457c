import TwinlogGeneration
import TwinlogRuntime

/// The batches of a run, a pure function of (samples, batch size, seed), so a resumed run sees
/// the same batches as an uninterrupted one.
///
/// Length bucketing: each epoch shuffles the samples, cuts them into windows of 16 batches,
/// sorts each window by length and cuts it into batches (so a batch pads little), then shuffles
/// the batch order.
struct BatchSchedule {
    let samples: [TokenizedSample]
    let batchSize: Int
    let seed: UInt64

    /// The sample indices of every batch of `epoch`.
    func batches(epoch: Int) -> [[Int]] {
        var random = SeededGenerator(seed: seed &+ 0x5851_F42D_4C95_7F2D &* UInt64(epoch + 1))
        var order = Array(samples.indices)
        order.shuffle(using: &random)
        var batches: [[Int]] = []
        let window = batchSize * 16
        for first in stride(from: 0, to: order.count, by: window) {
            let sorted = order[first..<min(order.count, first + window)].sorted {
                (samples[$0].ids.count, $0) < (samples[$1].ids.count, $1)
            }
            for start in stride(from: 0, to: sorted.count, by: batchSize) {
                batches.append(Array(sorted[start..<min(sorted.count, start + batchSize)]))
            }
        }
        batches.shuffle(using: &random)
        return batches
    }

    /// The batches of steps 0 ..< count, cycling through epochs.
    func steps(_ count: Int) -> [[Int]] {
        var result: [[Int]] = []
        var epoch = 0
        while result.count < count {
            result += batches(epoch: epoch)
            epoch += 1
        }
        return Array(result.prefix(count))
    }
}

