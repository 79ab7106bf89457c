import Foundation

/// Draws HNSW node levels from the exponential distribution floor(-ln(U) · 1/ln(M)).
///
/// SplitMix64 rather than the system generator so that a seed reproduces a graph exactly and a
/// snapshot can carry the generator's state forward.
struct LevelGenerator {
    private(set) var state: UInt64
    private let multiplier: Double

    /// Levels above this are clipped; at M ≥ 2 reaching it has probability below 2^-30 per node.
    static let maxLevel = 30

    init(state: UInt64, m: Int) {
        self.state = state
        self.multiplier = 1 / log(Double(m))
    }

    mutating func nextLevel() -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        // 53 random bits in (0, 1]: never 0, so the logarithm stays finite.
        let uniform = (Double(z >> 11) + 1) * 0x1p-53
        return min(Int(-log(uniform) * multiplier), Self.maxLevel)
    }
}
