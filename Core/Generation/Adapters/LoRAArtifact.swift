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
        var entries: [TensorEntry] = [], tensors: [[Float]] = []
        for slot in p.slots {
            let name = "layer.\(slot.slot.layer).\(slot.slot.kind.rawValue)"
            entries += [TensorEntry(name: name + ".a", shape: [r, slot.inputs]),
                        TensorEntry(name: name + ".b", shape: [slot.outputs, r])]
            tensors += [Array(p.values[slot.aOffset..<(slot.aOffset + r * slot.inputs)]),
                        Array(p.values[slot.bOffset..<(slot.bOffset + slot.outputs * r)])]
        }
        var file = TensorFile(header: AdapterHeader(lora: p.configuration, model: p.shape, metadata: metadata, tensors: entries),
                              tensors: tensors)
        let hash = try file.write(to: path)
        return LoRAArtifact(parameters: p, metadata: metadata, contentHash: hash)
    }

    /// Reads and validates an artifact: container checks (see `TensorFile`: a size cap, then the
    /// SHA-256 — against `expectedSha256` too when given — before anything is parsed), then the
    /// model shape in its header against `model` when given, then every tensor's name and shape
    /// against the LoRA settings and model shape in its header.
    public static func load(path: String, expectedSha256: String? = nil, model: ModelShape? = nil) throws -> LoRAArtifact {
        try validated(TensorFile<AdapterHeader>.read(path: path, expectedHash: expectedSha256), name: path, model: model)
    }

    /// `load` for an artifact held in memory (tests, fuzzing); `name` stands for the path in errors.
    public static func parse(bytes: [UInt8], name: String = "<memory>", expectedSha256: String? = nil,
                             model: ModelShape? = nil) throws -> LoRAArtifact {
        try validated(TensorFile<AdapterHeader>.parse(bytes: bytes, name: name, expectedHash: expectedSha256), name: name,
                      model: model)
    }

    private static func validated(_ file: TensorFile<AdapterHeader>, name path: String,
                                  model expectedShape: ModelShape?) throws -> LoRAArtifact {
        func fail(_ reason: String) -> ArtifactError { ArtifactError(path: path, reason: reason) }
        guard file.header.kind == "adapter" else { throw fail("it is a \(file.header.kind), not an adapter") }
        do { try file.header.lora.validate() } catch { throw fail("\(error)") }
        let m = file.header.model
        guard m.layers > 0, m.modelDim > 0, m.ffnDim > 0, m.kvDim > 0 else { throw fail("invalid model shape \(m)") }
        if let expectedShape, m != expectedShape {
            throw fail("made for a model of shape \(m), the base model is \(expectedShape)")
        }
        // The shape decides what is allocated: it must account for exactly the values the file holds.
        let held = file.tensors.reduce(0) { $0 + $1.count }
        guard let needed = valueCount(file.header.lora, m), needed == held else {
            throw fail("its model shape \(m) with rank \(file.header.lora.rank) needs "
                + "\(valueCount(file.header.lora, m).map(String.init) ?? "more than Int.max") values, its tensors hold \(held)")
        }
        var parameters = LoRAParameters(configuration: file.header.lora, shape: m)
        let r = parameters.configuration.rank
        guard file.header.tensors.count == 2 * parameters.slots.count else {
            throw fail("\(file.header.tensors.count) tensors for \(parameters.slots.count) adapted layers (two each)")
        }
        for (i, slot) in parameters.slots.enumerated() {
            let name = "layer.\(slot.slot.layer).\(slot.slot.kind.rawValue)"
            let expected = [TensorEntry(name: name + ".a", shape: [r, slot.inputs]),
                            TensorEntry(name: name + ".b", shape: [slot.outputs, r])]
            for (j, entry) in expected.enumerated() where file.header.tensors[2 * i + j] != entry {
                throw fail("tensor \(2 * i + j) is \(file.header.tensors[2 * i + j].name) \(file.header.tensors[2 * i + j].shape), "
                    + "expected \(entry.name) \(entry.shape)")
            }
            parameters.values.replaceSubrange(slot.aOffset..<(slot.aOffset + r * slot.inputs), with: file.tensors[2 * i])
            parameters.values.replaceSubrange(slot.bOffset..<(slot.bOffset + slot.outputs * r), with: file.tensors[2 * i + 1])
        }
        return LoRAArtifact(parameters: parameters, metadata: file.header.metadata, contentHash: file.contentHash)
    }

    /// The number of values `LoRAParameters(configuration:shape:)` holds, or nil when computing it
    /// overflows: layers × Σ over targets of rank × (inputs + outputs).
    private static func valueCount(_ configuration: LoRAConfiguration, _ shape: ModelShape) -> Int? {
        var perLayer = 0
        for kind in configuration.targets {
            let (outputs, inputs) = LoRAParameters.dimensions(kind, in: shape)
            let (width, o1) = inputs.addingReportingOverflow(outputs)
            let (values, o2) = width.multipliedReportingOverflow(by: configuration.rank)
            let (sum, o3) = perLayer.addingReportingOverflow(values)
            guard !o1, !o2, !o3 else { return nil }
            perLayer = sum
        }
        let (total, overflow) = perLayer.multipliedReportingOverflow(by: shape.layers)
        return overflow ? nil : total
    }

    /// The adapters for inference (`LlamaSession`, `Generator`), checked against `model`.
    public func loraSet(for model: LlamaModel) throws -> LoRASet {
        guard ModelShape(model.config) == parameters.shape else {
            throw ArtifactError(path: contentHash ?? "adapter",
                                reason: "made for \(parameters.shape), the model is \(ModelShape(model.config))")
        }
        return try parameters.loraSet(for: model)
    }
}
