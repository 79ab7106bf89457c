/// Input the model cannot run on.
public enum GenerationError: Error, CustomStringConvertible, Equatable {
    case emptyInput
    case tokenOutOfRange(id: Int, position: Int, vocabularySize: Int)
    case contextFull(used: Int, adding: Int, limit: Int)
    case modelTooLarge(path: String, neededBytes: Int, limitBytes: Int)

    public var description: String {
        switch self {
        case .emptyInput: return "no tokens to feed the model"
        case .tokenOutOfRange(let id, let position, let size):
            return "token id \(id) at position \(position) is outside the vocabulary (0..<\(size))"
        case .contextFull(let used, let adding, let limit):
            return "\(used) tokens plus \(adding) new ones exceed the model's context of \(limit)"
        case .modelTooLarge(let path, let needed, let limit):
            return "\(path): the weights need \(needed >> 20) MiB, more than the \(limit >> 20) MiB this machine allows a model "
                + "(\(Int(LlamaModel.memoryShare * 100)) % of its physical memory); choose a smaller model or quantization"
        }
    }
}
