/// Why a training run or an evaluation failed (a refused adapter or checkpoint file is an
/// `ArtifactError`). Every case says what to fix.
public enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A hyper-parameter is out of range.
    case invalidConfiguration(String)
    /// No sample survived tokenization and truncation.
    case noUsableSamples(String)
    /// The loss or the gradient became NaN or infinite; nothing was written for this step.
    case nonFiniteLoss(step: Int, loss: Double, gradientNorm: Double)
    /// A checkpoint was written by a run with different settings or a different model.
    case checkpointMismatch(String)
    /// The base model has a shape the trainer does not implement.
    case unsupportedModel(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return "invalid training configuration: \(message)"
        case .noUsableSamples(let message): return "no usable training samples: \(message)"
        case .nonFiniteLoss(let step, let loss, let norm):
            return "training diverged at step \(step): loss \(loss), gradient norm \(norm); no adapter was written"
        case .checkpointMismatch(let message): return "cannot resume: \(message)"
        case .unsupportedModel(let message): return "cannot train this base model: \(message)"
        }
    }
}
