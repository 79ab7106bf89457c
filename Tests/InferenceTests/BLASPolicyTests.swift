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

    @Test("OpenBLAS's generic fallback on a CPU with AVX-512 or AVX2 gets SkylakeX's or Haswell's kernels; its own choice and a user's type are kept")
    func kernelsThatFitTheCPU() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni\n\nprocessor\t: 1\n"
        let avx512 = BLAS.cpuFlags(cpuinfo: cpuinfo)
        #expect(avx512.contains("avx512bw") && avx512.contains("fpu") && !avx512.contains("processor"))
        #expect(BLAS.preferredCoreType(coreName: "Prescott", cpuFlags: avx512, setType: nil) == "SKYLAKEX")
        let avx2: Set<Substring> = ["sse2", "avx", "avx2", "fma"]
        #expect(BLAS.preferredCoreType(coreName: "Prescott", cpuFlags: avx2, setType: nil) == "HASWELL")
        #expect(BLAS.preferredCoreType(coreName: "Prescott", cpuFlags: ["sse2", "avx512f"], setType: nil) == nil)
        #expect(BLAS.preferredCoreType(coreName: "Haswell", cpuFlags: avx512, setType: nil) == nil)
        #expect(BLAS.preferredCoreType(coreName: "Prescott", cpuFlags: avx512, setType: "PRESCOTT") == nil)
        #expect(BLAS.cpuFlags(cpuinfo: "processor\t: 0\n").isEmpty)
        #expect(!BLAS.coreName.isEmpty, "OpenBLAS names the kernels it loaded")
    }
}
