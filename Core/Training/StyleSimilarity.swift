import TwinlogEmbedding
import TwinlogGeneration
import TwinlogRuntime

/// How much generated answers sound like the author: the mean cosine similarity between the
/// embedding of each generated answer and the embedding of the author's own text for the same
/// instruction (embeddings are unit-length, so cosine is the dot product). 1 is identical
/// direction; unrelated texts from MiniLM typically score 0–0.3.
public enum StyleSimilarity {
    /// Mean cosine of `generated[i]` with `references[i]`; the lists must be equally long.
    public static func score(generated: [String], references: [String], embedder: Embedder) async throws -> Double {
        guard generated.count == references.count, !generated.isEmpty else {
            throw TrainingError.invalidConfiguration("style similarity needs as many generated answers as references, and at least one")
        }
        let embeddings = await embedder.embed(generated + references)
        var sum = 0.0
        for i in generated.indices {
            let a = embeddings[i], b = embeddings[generated.count + i]
            var dot = 0.0
            for j in a.indices { dot += Double(a[j]) * Double(b[j]) }
            sum += dot
        }
        return sum / Double(generated.count)
    }

    /// Answers every sample's instruction greedily with `generator` under `lora` (ChatML prompt,
    /// up to `maxTokens` tokens; generation runs on its own thread, off the cooperative pool) and
    /// scores the answers against the samples' outputs.
    public static func evaluate(_ samples: [InstructionSample], generator: Generator, lora: LoRASet,
                                embedder: Embedder, maxTokens: Int = 64, systemMessage: String? = nil) async throws -> Double {
        let tuned = Generator(model: generator.model, tokenizer: generator.tokenizer, lora: lora)
        let answers = try await BlockingExecutor(label: "twinlog.style-similarity").run {
            try samples.map { sample in
                var messages = [ChatMessage(role: .user, content: sample.instruction)]
                if let systemMessage { messages.insert(ChatMessage(role: .system, content: systemMessage), at: 0) }
                let prompt = try ChatTemplate.encode(messages, with: tuned.tokenizer)
                return try tuned.generate(promptIDs: prompt, limits: GenerationLimits(maxTokens: maxTokens)).text
            }
        }
        return try await score(generated: answers, references: samples.map(\.output), embedder: embedder)
    }
}
