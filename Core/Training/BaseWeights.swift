import TwinlogGeneration
import TwinlogRuntime

/// The frozen base model as dense Float32, laid out for training: every matrix row-major
/// [outputs × inputs], Q, K and V fused into one [(D + 2·KV) × D] matrix and gate and up into one
/// [2F × D] matrix, so each block needs two wide products instead of five narrow ones. Carved from
/// one allocation; never written after construction, so any number of workers may read it.
public final class BaseWeights: @unchecked Sendable {
    /// One transformer block's weights.
    struct Layer {
        let attentionNorm: UnsafeMutablePointer<Float>
        /// Rows 0 ..< D are Q, D ..< D + KV are K, the rest V.
        let qkv: UnsafeMutablePointer<Float>
        let output: UnsafeMutablePointer<Float>
        let ffnNorm: UnsafeMutablePointer<Float>
        /// Rows 0 ..< F are the gate, F ..< 2F the up projection.
        let gateUp: UnsafeMutablePointer<Float>
        let down: UnsafeMutablePointer<Float>
    }

    /// The model's shape.
    public let config: LlamaConfig
    /// The tied input embedding and output head, [vocabulary × D].
    let embedding: UnsafeMutablePointer<Float>
    let layers: [Layer]
    let outputNorm: UnsafeMutablePointer<Float>
    private let arena: UnsafeMutablePointer<Float>

    /// Allocates the arena and fills it through `fill`, which gets each tensor's role and buffer.
    private init(config: LlamaConfig, fill: (Tensor, UnsafeMutablePointer<Float>) -> Void) {
        let d = config.modelDim, f = config.ffnDim, kv = config.kvDim
        let perLayer = 2 * d + (d + 2 * kv) * d + d * d + 2 * f * d + d * f
        let total = config.vocabularySize * d + config.layers * perLayer + d
        arena = UnsafeMutablePointer<Float>.allocate(capacity: total)
        var next = arena
        func carve(_ count: Int, _ tensor: Tensor) -> UnsafeMutablePointer<Float> {
            defer { next += count }
            fill(tensor, next)
            return next
        }
        embedding = carve(config.vocabularySize * d, .embedding)
        layers = (0..<config.layers).map { l in
            Layer(attentionNorm: carve(d, .attentionNorm(l)), qkv: carve((d + 2 * kv) * d, .qkv(l)),
                  output: carve(d * d, .output(l)), ffnNorm: carve(d, .ffnNorm(l)),
                  gateUp: carve(2 * f * d, .gateUp(l)), down: carve(d * f, .down(l)))
        }
        outputNorm = carve(d, .outputNorm)
        self.config = config
    }

    deinit { arena.deallocate() }

    /// Which tensor a slice of the arena holds.
    private enum Tensor {
        case embedding, outputNorm
        case attentionNorm(Int), qkv(Int), output(Int), ffnNorm(Int), gateUp(Int), down(Int)
    }

    /// A dense copy of `model`'s weights (quantized matrices are dequantized row by row); a model
    /// the trainer cannot train is refused.
    public convenience init(model: LlamaModel) throws {
        if let refusal = model.trainingRefusal { throw TrainingError.unsupportedModel(refusal) }
        let d = model.config.modelDim
        self.init(config: model.config) { tensor, out in
            func copy(_ matrix: Matrix, to out: UnsafeMutablePointer<Float>) {
                for r in 0..<matrix.rows { matrix.row(r, into: out + r * matrix.columns) }
            }
            switch tensor {
            case .embedding: copy(model.embedding, to: out)
            case .outputNorm: out.update(from: model.outputNorm, count: d)
            case .attentionNorm(let l): out.update(from: model.layers[l].attentionNorm, count: d)
            case .ffnNorm(let l): out.update(from: model.layers[l].ffnNorm, count: d)
            case .qkv(let l):
                let layer = model.layers[l]
                copy(layer.query, to: out)
                copy(layer.key, to: out + layer.query.rows * d)
                copy(layer.value, to: out + (layer.query.rows + layer.key.rows) * d)
            case .output(let l): copy(model.layers[l].output, to: out)
            case .gateUp(let l):
                copy(model.layers[l].gate, to: out)
                copy(model.layers[l].up, to: out + model.layers[l].gate.rows * d)
            case .down(let l): copy(model.layers[l].down, to: out)
            }
        }
    }

    /// A model of `config` with random weights from `seed`: matrices uniform in ±1/√inputs, norm
    /// weights near 1. For tests (gradient checks on tiny shapes).
    public static func random(config: LlamaConfig, seed: UInt64) -> BaseWeights {
        var random = SeededGenerator(seed: seed)
        let d = config.modelDim, f = config.ffnDim, kv = config.kvDim
        return BaseWeights(config: config) { tensor, out in
            func uniform(_ count: Int, bound: Float, around center: Float = 0) {
                for i in 0..<count { out[i] = center + Float.random(in: -bound...bound, using: &random) }
            }
            switch tensor {
            case .embedding: uniform(config.vocabularySize * d, bound: 1)
            case .outputNorm, .attentionNorm, .ffnNorm: uniform(d, bound: 0.2, around: 1)
            case .qkv: uniform((d + 2 * kv) * d, bound: 1 / Float(d).squareRoot())
            case .output: uniform(d * d, bound: 1 / Float(d).squareRoot())
            case .gateUp: uniform(2 * f * d, bound: 1 / Float(d).squareRoot())
            case .down: uniform(d * f, bound: 1 / Float(f).squareRoot())
            }
        }
    }

    /// Where a linear layer sits inside the fused matrices: its weight rows [outputs × inputs],
    /// and the column offset of its outputs in the fused activation.
    func placement(of slot: LinearSlot) -> (weight: UnsafeMutablePointer<Float>, inputs: Int, outputs: Int, column: Int) {
        let d = config.modelDim, f = config.ffnDim, kv = config.kvDim
        let layer = layers[slot.layer]
        switch slot.kind {
        case .query: return (layer.qkv, d, d, 0)
        case .key: return (layer.qkv + d * d, d, kv, d)
        case .value: return (layer.qkv + (d + kv) * d, d, kv, d + kv)
        case .output: return (layer.output, d, d, 0)
        case .gate: return (layer.gateUp, d, f, 0)
        case .up: return (layer.gateUp + f * d, d, f, f)
        case .down: return (layer.down, f, d, 0)
        }
    }
}
