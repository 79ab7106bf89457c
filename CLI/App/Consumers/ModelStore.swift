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
    private let loader = BlockingExecutor(label: "twinlog.models.load")
    private let embedderLoad = Mutex<Task<Embedder, any Error>?>(nil)
    private let generatorLoad = Mutex<Task<Generator, any Error>?>(nil)
    private let generatorHash = Mutex<Task<String, any Error>?>(nil)

    /// `embedderPath`: the all-MiniLM-L6-v2 folder; `generatorPath`: the SmolLM2 GGUF file; nil
    /// finds each in the project's `.twinlog/venv` (or its environment variable).
    public init(embedderPath: String? = nil, generatorPath: String? = nil) {
        self.embedderPath = embedderPath
        self.generatorPath = generatorPath
    }

    /// The embedder, loaded on first use.
    public func embedder() async throws -> Embedder {
        let path = embedderPath, loader = self.loader
        let task = embedderLoad.withLock { load in
            if let load { return load }
            let started = Task { try await loader.run { try Embedder(locatingModelAt: path) } }
            load = started
            return started
        }
        return try await task.value
    }

    /// The generator (base model, no adapter), loaded on first use.
    public func generator() async throws -> Generator {
        let path = generatorPath, loader = self.loader
        let task = generatorLoad.withLock { load in
            if let load { return load }
            let started = Task { try await loader.run { try Generator(path: ModelLocator.generatorPath(explicit: path)) } }
            load = started
            return started
        }
        return try await task.value
    }

    /// The SHA-256 of the generator's GGUF file, which names the base model in the registry and
    /// in adapters (hashed once, on first use).
    public func generatorSHA256() async throws -> String {
        let path = generatorPath, loader = self.loader
        let task = generatorHash.withLock { hash in
            if let hash { return hash }
            let started = Task { try await loader.run { try FileDigest.sha256(ofFileAt: ModelLocator.generatorPath(explicit: path)) } }
            hash = started
            return started
        }
        return try await task.value
    }
}
