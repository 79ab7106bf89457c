import Synchronization
import TwinlogEmbedding
import TwinlogGeneration
import TwinlogRuntime
import TwinlogTraining

/// The models of one process, each loaded once and shared by every component that needs it (the
/// feature consumer and the inference consumer use the same embedder). Loading reads and converts
/// hundreds of megabytes: it runs on a dedicated executor, never on the cooperative pool.
public final class ModelStore: Sendable {
    private let embedderPath: String?
    private let generatorPath: String?
    private let answerModelPath: String?
    private let loader = BlockingExecutor(label: "twinlog.models.load")
    private let embedderLoad = OnFirstUse<Embedder>()
    private let generatorLoad = OnFirstUse<Generator>()
    private let generatorHash = OnFirstUse<String>()
    private let answerLoad = OnFirstUse<Generator>()
    private let answerHash = OnFirstUse<String>()

    /// `embedderPath`: the all-MiniLM-L6-v2 folder; `generatorPath`: the SmolLM2 GGUF file (the
    /// voice model the trainer adapts); nil finds each in the project's `.twinlog/venv` (or its
    /// environment variable). `answerModelPath`: the GGUF the inference consumer answers with
    /// (nil: the voice model).
    public init(embedderPath: String? = nil, generatorPath: String? = nil, answerModelPath: String? = nil) {
        self.embedderPath = embedderPath
        self.generatorPath = generatorPath
        self.answerModelPath = answerModelPath
    }

    /// The embedder, loaded on first use.
    public func embedder() async throws -> Embedder {
        let path = embedderPath
        return try await embedderLoad.value(on: loader) { try Embedder(locatingModelAt: path) }
    }

    /// The generator (base model, no adapter), loaded on first use.
    public func generator() async throws -> Generator {
        let path = generatorPath
        return try await generatorLoad.value(on: loader) { try Generator(path: ModelLocator.generatorPath(explicit: path)) }
    }

    /// The model that answers questions: the answer model when one is set (its chat template must
    /// be of a family the engine renders), else the voice model.
    public func answerGenerator() async throws -> Generator {
        guard let path = answerModelPath else { return try await generator() }
        return try await answerLoad.value(on: loader) {
            let generator = try Generator(path: path)
            guard generator.tokenizer.chatTemplate.family != nil else {
                throw GGUFError(path: path, offset: nil, "\(ChatTemplateError.unrecognized)")
            }
            return generator
        }
    }

    /// The SHA-256 of the answering model's GGUF file (adapters apply only to the model they were
    /// trained on, so a separate answer model never takes the voice model's adapters).
    public func answerGeneratorSHA256() async throws -> String {
        guard let path = answerModelPath else { return try await generatorSHA256() }
        return try await answerHash.value(on: loader) { try FileDigest.sha256(ofFileAt: path) }
    }

    /// The SHA-256 of the generator's GGUF file, which names the base model in the registry and
    /// in adapters (hashed once, on first use).
    public func generatorSHA256() async throws -> String {
        let path = generatorPath
        return try await generatorHash.value(on: loader) { try FileDigest.sha256(ofFileAt: ModelLocator.generatorPath(explicit: path)) }
    }
}

/// A value computed once, by the first caller, on an executor; later and concurrent callers await
/// the same computation (and its error).
private final class OnFirstUse<Value: Sendable>: Sendable {
    private let task = Mutex<Task<Value, any Error>?>(nil)

    func value(on executor: BlockingExecutor, _ make: @escaping @Sendable () throws -> Value) async throws -> Value {
        let running = task.withLock { task in
            if let task { return task }
            let started = Task { try await executor.run(make) }
            task = started
            return started
        }
        return try await running.value
    }
}
