import TwinlogGeneration

/// A trained adapter as a file: the `TensorFile` container of kind "adapter" with the LoRA
/// settings, the model shape and free-form metadata (dataset version, base model hash, metrics)
/// in the header, and per adapted layer two tensors, `layer.L.KIND.a` [rank × inputs] and
/// `layer.L.KIND.b` [outputs × rank]. Its identity is the SHA-256 content hash.
public struct LoRAArtifact: Sendable {
    /// The adapters.
    public let parameters: LoRAParameters
    /// Free-form lineage and metrics (string values).
    public let metadata: [String: String]
    /// Hex SHA-256 of the file (set once written or read).
    public let contentHash: String?

    public init(parameters: LoRAParameters, metadata: [String: String] = [:]) {
        self.parameters = parameters
        self.metadata = metadata
        contentHash = nil
    }

    private init(parameters: LoRAParameters, metadata: [String: String], contentHash: String) {
        self.parameters = parameters
        self.metadata = metadata
        self.contentHash = contentHash
    }

    /// Writes the artifact atomically; returns the written artifact (with its content hash).
    public func write(to path: String) throws -> LoRAArtifact {
        let p = parameters, r = p.configuration.rank
        var entries: [TensorFile.Entry] = [], tensors: [[Float]] = []
        for slot in p.slots {
            let name = "layer.\(slot.slot.layer).\(slot.slot.kind.rawValue)"
            entries += [TensorFile.Entry(name: name + ".a", shape: [r, slot.inputs]),
                        TensorFile.Entry(name: name + ".b", shape: [slot.outputs, r])]
            tensors += [Array(p.values[slot.aOffset..<(slot.aOffset + r * slot.inputs)]),
                        Array(p.values[slot.bOffset..<(slot.bOffset + slot.outputs * r)])]
        }
        var file = TensorFile(header: .init(kind: "adapter", lora: p.configuration, model: p.shape, metadata: metadata,
                                            tensors: entries), tensors: tensors)
        let hash = try file.write(to: path)
        return LoRAArtifact(parameters: p, metadata: metadata, contentHash: hash)
    }

    /// Reads and validates an artifact: container checks (see `TensorFile`), then every tensor's
    /// name and shape against the LoRA settings and model shape in its header.
    public static func load(path: String) throws -> LoRAArtifact {
        let file = try TensorFile.read(path: path)
        func fail(_ reason: String) -> TrainingError { .invalidArtifact(path: path, reason: reason) }
        guard file.header.kind == "adapter" else { throw fail("it is a \(file.header.kind), not an adapter") }
        do { try file.header.lora.validate() } catch { throw fail("\(error)") }
        let m = file.header.model
        guard m.layers > 0, m.modelDim > 0, m.ffnDim > 0, m.kvDim > 0 else { throw fail("invalid model shape \(m)") }
        var parameters = LoRAParameters(configuration: file.header.lora, shape: m)
        let r = parameters.configuration.rank
        guard file.header.tensors.count == 2 * parameters.slots.count else {
            throw fail("\(file.header.tensors.count) tensors for \(parameters.slots.count) adapted layers (two each)")
        }
        for (i, slot) in parameters.slots.enumerated() {
            let name = "layer.\(slot.slot.layer).\(slot.slot.kind.rawValue)"
            let expected = [TensorFile.Entry(name: name + ".a", shape: [r, slot.inputs]),
                            TensorFile.Entry(name: name + ".b", shape: [slot.outputs, r])]
            for (j, entry) in expected.enumerated() where file.header.tensors[2 * i + j] != entry {
                throw fail("tensor \(2 * i + j) is \(file.header.tensors[2 * i + j].name) \(file.header.tensors[2 * i + j].shape), "
                    + "expected \(entry.name) \(entry.shape)")
            }
            parameters.values.replaceSubrange(slot.aOffset..<(slot.aOffset + r * slot.inputs), with: file.tensors[2 * i])
            parameters.values.replaceSubrange(slot.bOffset..<(slot.bOffset + slot.outputs * r), with: file.tensors[2 * i + 1])
        }
        return LoRAArtifact(parameters: parameters, metadata: file.header.metadata, contentHash: file.contentHash)
    }

    /// The adapters for inference (`LlamaSession`, `Generator`), checked against `model`.
    public func loraSet(for model: LlamaModel) throws -> LoRASet {
        guard ModelShape(model.config) == parameters.shape else {
            throw TrainingError.invalidArtifact(path: contentHash ?? "adapter",
                                                reason: "made for \(parameters.shape), the model is \(ModelShape(model.config))")
        }
        return try parameters.loraSet(for: model)
    }
}
