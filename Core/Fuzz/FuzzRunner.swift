import Foundation
import TwinlogRuntime

/// Why a fuzz run could not start (an unknown target, a seed that does not build, a file that cannot be written).
public struct FuzzError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What one fuzz run did: every input it tried, how many the target accepted and rejected (threw
/// for), and the distinct kinds of error it threw.
public struct FuzzReport: Codable, Sendable, Equatable {
    public var target: String
    public var seed: UInt64
    /// The seed inputs, and how many of them the target accepted (all of them, for a sound corpus).
    public var seedInputs: Int
    public var seedsAccepted: Int
    /// Inputs tried in all, seeds included.
    public var tried: Int
    public var accepted: Int
    public var rejected: Int
    /// Thrown errors by type, with how many inputs threw each.
    public var errorKinds: [String: Int]
    public var seconds: Double
}

/// Runs a fuzz target: the seeds first, then mutants of the corpus (the seeds plus mutants the
/// target accepted, so mutations reach past the first checks) until the iteration count or the
/// time is used up. Every thrown error is a rejected input; a trap ends the process, and the
/// `CrashRecorder`, when given, saves the input that caused it.
public struct FuzzRunner {
    /// Mutants accepted into the corpus, at most; past it, an accepted mutant replaces a random one.
    static let corpusLimit = 256
    public let harness: FuzzHarness
    public let seed: UInt64
    public let maximumInputSize: Int

    public init(harness: FuzzHarness, seed: UInt64, maximumInputSize: Int = 1 << 20) {
        self.harness = harness
        self.seed = seed
        self.maximumInputSize = maximumInputSize
    }

    /// Tries inputs until `iterations` have been tried or `duration` has passed (whichever comes
    /// first; at least one of them must be given).
    public func run(iterations: Int? = nil, duration: Duration? = nil, recorder: CrashRecorder? = nil) -> FuzzReport {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = duration.map { start + $0 }
        var mutator = FuzzMutator(seed: seed, maximumSize: maximumInputSize)
        var report = FuzzReport(target: harness.name, seed: seed, seedInputs: harness.seeds.count, seedsAccepted: 0,
                                tried: 0, accepted: 0, rejected: 0, errorKinds: [:], seconds: 0)
        var corpus = harness.seeds
        func more() -> Bool {
            if let iterations, report.tried >= iterations { return false }
            if let deadline, clock.now >= deadline { return false }
            return iterations != nil || deadline != nil
        }
        func attempt(_ input: [UInt8]) -> Bool {
            recorder?.arm(input)
            report.tried += 1
            do {
                try harness.body(input)
                report.accepted += 1
                return true
            } catch {
                report.rejected += 1
                report.errorKinds[String(reflecting: type(of: error)), default: 0] += 1
                return false
            }
        }
        for input in harness.seeds where more() {
            if attempt(input) { report.seedsAccepted += 1 }
        }
        while more() {
            let parent = corpus.isEmpty ? [] : corpus[mutator.below(corpus.count)]
            let other = corpus.isEmpty ? [] : corpus[mutator.below(corpus.count)]
            let child = mutator.mutate(parent, other: other)
            if attempt(child), child != parent {
                if corpus.count < harness.seeds.count + Self.corpusLimit {
                    corpus.append(child)
                } else {
                    corpus[harness.seeds.count + mutator.below(Self.corpusLimit)] = child
                }
            }
        }
        report.seconds = (clock.now - start).inSeconds
        return report
    }
}
