import Foundation
import Synchronization

/// How many cores one product of the language model uses (its quantized kernels and its sgemm
/// calls split their output this many ways): every core by default; the CLI and benchmarks pin it.
/// It is generation's own setting and changes nothing else in the process.
public enum ComputeThreads {
    private static let value = Atomic<Int>(ProcessInfo.processInfo.activeProcessorCount)

    public static var count: Int {
        get { value.load(ordering: .relaxed) }
        set { value.store(max(1, newValue), ordering: .relaxed) }
    }
}
