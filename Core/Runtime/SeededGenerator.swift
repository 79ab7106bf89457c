/// A small, fast, seedable random number generator (SplitMix64): the project's one seeded
/// generator, so a sampled generation, an HNSW graph's levels or a test's data can be reproduced
/// exactly from its seed on any machine. Its whole state is one word, which a snapshot can store
/// and a new generator resume from.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The state after the draws so far; `SeededGenerator(seed: state)` continues the sequence.
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
