/// A low-rank adapter for one linear layer: `y += scale · B (A x)` with A [rank × inputs] and
/// B [outputs × rank], row-major. The training issue fills these; inference only reads them.
public struct LoRAAdapter: Sendable {
    public let rank: Int
    public let inputs: Int
    public let outputs: Int
    /// A, rank × inputs.
    public var a: [Float]
    /// B, outputs × rank.
    public var b: [Float]
    /// Usually alpha / rank.
    public var scale: Float

    /// An adapter with the given factors; the shapes must agree.
    public init(rank: Int, inputs: Int, outputs: Int, a: [Float], b: [Float], scale: Float) throws {
        guard rank > 0, a.count == rank * inputs, b.count == outputs * rank else {
            throw LoRAError(message: "a rank-\(rank) adapter for \(inputs) → \(outputs) needs A of \(rank * inputs) "
                + "and B of \(outputs * rank) values, got \(a.count) and \(b.count)")
        }
        self.rank = rank
        self.inputs = inputs
        self.outputs = outputs
        self.a = a
        self.b = b
        self.scale = scale
    }
}

/// Names one linear layer of the model, the unit an adapter attaches to.
public struct LinearSlot: Hashable, Sendable, CustomStringConvertible {
    /// The projection within a transformer block.
    public enum Kind: String, CaseIterable, Sendable { case query, key, value, output, gate, up, down }
    public let layer: Int
    public let kind: Kind

    public init(layer: Int, kind: Kind) {
        self.layer = layer
        self.kind = kind
    }

    public var description: String { "layer \(layer) \(kind.rawValue)" }
}

/// The adapters applied on top of the base weights, by slot. Empty means the base model.
public struct LoRASet: Sendable {
    public private(set) var adapters: [LinearSlot: LoRAAdapter] = [:]

    public init() {}

    /// Attaches `adapter` to `slot` of `model`, checking that its shape fits that layer.
    public mutating func attach(_ adapter: LoRAAdapter, to slot: LinearSlot, of model: LlamaModel) throws {
        let (outputs, inputs) = model.shape(of: slot)
        guard (0..<model.config.layers).contains(slot.layer), adapter.inputs == inputs, adapter.outputs == outputs else {
            throw LoRAError(message: "an adapter for \(adapter.inputs) → \(adapter.outputs) does not fit \(slot) "
                + "(\(inputs) → \(outputs))")
        }
        adapters[slot] = adapter
    }

    public subscript(slot: LinearSlot) -> LoRAAdapter? { adapters[slot] }
}

/// An adapter whose shape does not fit, or LoRA settings out of range.
public struct LoRAError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
