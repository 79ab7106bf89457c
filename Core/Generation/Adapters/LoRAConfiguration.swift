/// Which linear layers get adapters and how big they are. Defaults follow common LoRA practice
/// for small models (rank 8, alpha 16, query and value projections).
public struct LoRAConfiguration: Sendable, Equatable, Codable {
    /// The inner dimension r of A [r × inputs] and B [outputs × r]; 1 ... 256.
    public var rank: Int
    /// The adapter's output is scaled by alpha / rank.
    public var alpha: Float
    /// Probability of zeroing an input of the adapter path during training; 0 ..< 1.
    public var dropout: Float
    /// The projections of every block that get an adapter (at least one).
    public var targets: [LinearSlot.Kind]

    public init(rank: Int = 8, alpha: Float = 16, dropout: Float = 0,
                targets: [LinearSlot.Kind] = [.query, .value]) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targets = targets
    }

    /// Every linear layer of a block.
    public static let allLinearLayers: [LinearSlot.Kind] = LinearSlot.Kind.allCases

    /// alpha / rank, the factor on B A x.
    public var scale: Float { alpha / Float(rank) }

    /// Checks the ranges above; throws `LoRAError` naming the first problem.
    public func validate() throws {
        guard (1...256).contains(rank) else { throw LoRAError(message: "rank must be in 1...256, got \(rank)") }
        guard alpha.isFinite, alpha > 0 else { throw LoRAError(message: "alpha must be positive, got \(alpha)") }
        guard dropout >= 0, dropout < 1 else { throw LoRAError(message: "dropout must be in 0 ..< 1, got \(dropout)") }
        guard !targets.isEmpty, Set(targets).count == targets.count else {
            throw LoRAError(message: "targets must name each projection at most once and at least one")
        }
    }
}

extension LinearSlot.Kind: Codable {}
