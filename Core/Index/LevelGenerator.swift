import Foundation
import TwinlogRuntime

/// Draws HNSW node levels from the exponential distribution floor(-ln(U) · 1/ln(M)).
///
/// The seeded generator rather than the system one, so that a seed reproduces a graph exactly and
/// a snapshot can carry the generator's state forward.
struct LevelGenerator {
    private var random: SeededGenerator
    private let multiplier: Double

    /// The generator's state, which a snapshot stores.
    var state: UInt64 { random.state }

    /// Levels above this are clipped; at M ≥ 2 reaching it has probability below 2^-30 per node.
    static let maxLevel = 30

    init(state: UInt64, m: Int) {
        random = SeededGenerator(seed: state)
        self.multiplier = 1 / log(Double(m))
    }

    mutating func nextLevel() -> Int {
        let z = random.next()
        // 53 random bits in (0, 1]: never 0, so the logarithm stays finite.
        let uniform = (Double(z >> 11) + 1) * 0x1p-53
        return min(Int(-log(uniform) * multiplier), Self.maxLevel)
    }
}
