import TwinlogRuntime

/// The trainable adapters of a run: A and B of every targeted layer in one flat array (the order
/// of `slots`), which is what the optimizer, the checkpoints and the artifact files read.
///
/// Initialization is the usual one: A uniform in ±1/√inputs from the seeded generator, B zero, so
/// a fresh adapter leaves the model unchanged.
public struct LoRAParameters: Sendable, Equatable {
    /// Where one adapter's factors sit in `values`.
    public struct Slot: Sendable, Equatable {
        public let slot: LinearSlot
        public let inputs: Int
        public let outputs: Int
        /// Offset of A [rank × inputs], then B [outputs × rank] follows at `bOffset`.
        public let aOffset: Int
        public let bOffset: Int
    }

    /// The shapes' settings.
    public let configuration: LoRAConfiguration
    /// Adapters by layer, then in `configuration.targets` order.
    public let slots: [Slot]
    /// Every trainable value.
    public var values: [Float]

    /// The shape of the model the adapters fit.
    public let shape: ModelShape

    /// Zero-filled adapters for every (layer, target) of a model of `shape`.
    package init(configuration: LoRAConfiguration, shape: ModelShape) {
        let r = configuration.rank
        var slots: [Slot] = []
        var offset = 0
        for layer in 0..<shape.layers {
            for kind in configuration.targets {
                let (outputs, inputs) = Self.dimensions(kind, in: shape)
                slots.append(Slot(slot: LinearSlot(layer: layer, kind: kind), inputs: inputs, outputs: outputs,
                                  aOffset: offset, bOffset: offset + r * inputs))
                offset += r * (inputs + outputs)
            }
        }
        self.configuration = configuration
        self.shape = shape
        self.slots = slots
        self.values = [Float](repeating: 0, count: offset)
    }

    /// The outputs and inputs of the projection `kind` in a model of `shape`.
    package static func dimensions(_ kind: LinearSlot.Kind, in shape: ModelShape) -> (outputs: Int, inputs: Int) {
        switch kind {
        case .query, .output: (shape.modelDim, shape.modelDim)
        case .key, .value: (shape.kvDim, shape.modelDim)
        case .gate, .up: (shape.ffnDim, shape.modelDim)
        case .down: (shape.modelDim, shape.ffnDim)
        }
    }

    /// Fresh adapters: A random from `seed`, B zero.
    public init(configuration: LoRAConfiguration, shape: ModelShape, seed: UInt64) {
        self.init(configuration: configuration, shape: shape)
        var random = SeededGenerator(seed: seed)
        for slot in slots {
            let bound = 1 / Float(slot.inputs).squareRoot()
            for i in 0..<(configuration.rank * slot.inputs) {
                values[slot.aOffset + i] = Float.random(in: -bound...bound, using: &random)
            }
        }
    }

    /// No adapters at all: the base model.
    public static func none(shape: ModelShape) -> LoRAParameters {
        LoRAParameters(configuration: LoRAConfiguration(rank: 1, alpha: 1, targets: []), shape: shape)
    }

    /// The number of trainable values.
    public var count: Int { values.count }

    /// The adapters as the inference side holds them, checked against `model`'s shapes.
    public func loraSet(for model: LlamaModel) throws -> LoRASet {
        var set = LoRASet()
        for (slot, adapter) in try adapters() { try set.attach(adapter, to: slot, of: model) }
        return set
    }

    /// Each slot's adapter (copies of its A and B).
    public func adapters() throws -> [(LinearSlot, LoRAAdapter)] {
        let r = configuration.rank
        return try slots.map { slot in
            (slot.slot, try LoRAAdapter(rank: r, inputs: slot.inputs, outputs: slot.outputs,
                                        a: Array(values[slot.aOffset..<(slot.aOffset + r * slot.inputs)]),
                                        b: Array(values[slot.bOffset..<(slot.bOffset + slot.outputs * r)]),
                                        scale: configuration.scale))
        }
    }
}

/// The dimensions of a model that adapters depend on (stored in artifacts and checkpoints so a
/// file can be checked against the model it is loaded for).
public struct ModelShape: Sendable, Equatable, Codable {
    public let layers: Int
    public let modelDim: Int
    public let ffnDim: Int
    public let kvDim: Int

    public init(layers: Int, modelDim: Int, ffnDim: Int, kvDim: Int) {
        self.layers = layers
        self.modelDim = modelDim
        self.ffnDim = ffnDim
        self.kvDim = kvDim
    }

    public init(_ config: LlamaConfig) {
        self.init(layers: config.layers, modelDim: config.modelDim, ffnDim: config.ffnDim, kvDim: config.kvDim)
    }
}
