import Foundation
import Testing
import TwinlogEmbedding
import TwinlogGeneration
import TwinlogLinalg

/// One process runs the embedder and the language model at once (as `twinlog run` runs the
/// feature and inference consumers); neither may change the other's threads or results.
@Suite struct BLASPolicyTests {
    @Test("embedding and generation at once give their results alone, and OpenBLAS's pool stays at one thread")
    func embeddingAndGenerationTogether() async throws {
        let embedder = try Corpus.embedder.get()
        let generator = try Generator(path: ModelLocator.generatorPath(), format: .float32)
        let texts = (0..<96).map { "Sentence \($0): the log is the source of truth, and every view is rebuilt from it." }
        let prompt = generator.tokenizer.encode("Kafka keeps an ordered log of events, and consumers")
        let limits = GenerationLimits(maxTokens: 24, stopAtEndOfSequence: false)
        let threads = ComputeThreads.count

        let vectorsAlone = await embedder.embed(texts)
        let tokensAlone = try generator.generate(promptIDs: prompt, limits: limits).ids
        #expect(BLAS.pooledThreads == 1, "the first product pins OpenBLAS's own pool to one thread")

        let sampler = Task {
            var seen = Set<Int>()
            while !Task.isCancelled {
                seen.insert(BLAS.pooledThreads)
                try? await Task.sleep(for: .milliseconds(2))
            }
            return seen
        }
        async let vectors = Task.detached { await embedder.embed(texts) }.value
        async let tokens = Task.detached { try generator.generate(promptIDs: prompt, limits: limits).ids }.value
        let together = try await (vectors: vectors, tokens: tokens)
        sampler.cancel()
        #expect(together.vectors == vectorsAlone, "the embedder's vectors do not depend on what else runs")
        #expect(together.tokens == tokensAlone, "greedy tokens do not depend on what else runs")
        #expect(await sampler.value == [1], "nothing changed OpenBLAS's pool while both ran")
        #expect(ComputeThreads.count == threads, "the embedder left generation's thread count alone")
    }

}
