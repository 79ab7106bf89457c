import Foundation
import Testing
@testable import TwinlogGeneration

@Suite("the SmolLM2 forward pass against transformers' float32 reference")
struct ForwardTests {
    @Test("last-position logits of every reference prompt are within 1e-3 of the reference")
    func lastPositionLogits() throws {
        let model = try RealModel.model.get()
        for prompt in try Fixtures.logits().prompts {
            let logits = try LlamaSession(model: model).feed(prompt.input_ids)
            #expect(logits.count == 49152)
            for (i, expected) in prompt.last_position.first8_logits.enumerated() {
                #expect(abs(Double(logits[i]) - expected) < 1e-3, "\(prompt.name) logit \(i)")
            }
            for pair in prompt.last_position.top10 {
                let id = Int(pair[0])
                #expect(abs(Double(logits[id]) - pair[1]) < 1e-3, "\(prompt.name) logit of token \(id)")
            }
            let lse = logits.withUnsafeBufferPointer { Scoring.logSumExp($0) }
            #expect(abs(lse - prompt.last_position.logsumexp) < 1e-3, "\(prompt.name) logsumexp")
            let top = logits.indices.max { logits[$0] < logits[$1] }
            #expect(top == Int(prompt.last_position.top10[0][0]), "\(prompt.name) argmax")
        }
    }

    @Test("teacher-forced log-probabilities of the reference paragraph are within 1e-3 per token")
    func teacherForcedLogProbabilities() throws {
        let model = try RealModel.model.get()
        let reference = try Fixtures.logits().teacher_forced_logprobs
        let tokenizer = try RealModel.tokenizer.get()
        #expect(tokenizer.encode(reference.text) == reference.input_ids)
        let logprobs = try Scoring.tokenLogProbabilities(reference.input_ids, model: model)
        #expect(logprobs.count == reference.token_logprobs.count)
        for (t, (ours, theirs)) in zip(logprobs, reference.token_logprobs).enumerated() {
            #expect(abs(ours - theirs) < 1e-3, "token \(t + 1)")
        }
        #expect(abs(logprobs.reduce(0, +) - reference.sum_logprob) < 1e-2)
        let chunked = try Scoring.tokenLogProbabilities(reference.input_ids, model: model, chunk: 7)
        #expect(chunked.count == logprobs.count)
        #expect(zip(chunked, logprobs).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test("decoding one token at a time through the KV cache gives the logits of a batched pass")
    func cachedDecodeMatchesBatch() throws {
        let model = try RealModel.model.get()
        let ids = try Fixtures.logits().prompts[0].input_ids
        let batched = try LlamaSession(model: model).feed(ids, logits: .all)
        let session = LlamaSession(model: model)
        let vocabulary = model.config.vocabularySize
        for (t, id) in ids.enumerated() {
            let step = try session.feed([id])
            let row = batched[(t * vocabulary)..<((t + 1) * vocabulary)]
            let worst = zip(step, row).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-3, "position \(t)")
        }
    }

    @Test("an input longer than one prefill chunk gives the logits of feeding it in two parts")
    func longInputInChunks() throws {
        let model = try RealModel.model.get()
        let paragraph = try Fixtures.logits().teacher_forced_logprobs.input_ids
        let ids = Array(repeating: paragraph, count: 5).flatMap { $0 }
        #expect(ids.count > LlamaSession.chunk)
        let whole = try LlamaSession(model: model).feed(ids)
        let parts = LlamaSession(model: model)
        _ = try parts.feed(Array(ids[..<100]), logits: .none)
        let split = try parts.feed(Array(ids[100...]))
        #expect(parts.tokens == ids)
        #expect(zip(whole, split).map { abs($0 - $1) }.max()! < 1e-3)
    }

    @Test("rejects token ids outside the vocabulary, empty input and a full context, naming the problem")
    func rejectsBadInput() throws {
        let session = LlamaSession(model: try RealModel.model.get())
        #expect(throws: GenerationError.tokenOutOfRange(id: 49152, position: 1, vocabularySize: 49152)) {
            try session.feed([1, 49152])
        }
        #expect(throws: GenerationError.emptyInput) { try session.feed([]) }
        #expect(throws: GenerationError.contextFull(used: 0, adding: 8193, limit: 8192)) {
            try session.feed(Array(repeating: 1, count: 8193))
        }
        #expect(session.tokens.isEmpty)
    }
}

@Suite("the quantized-weight kernels")
struct QuantizedForwardTests {
    @Test("quantized weights with the portable kernels give the reference logits within 1e-3, in prefill and in cached decoding")
    func quantizedMatchesReference() throws {
        let quantized = try RealModel.portableQuantizedModel.get()
        let dense = try RealModel.model.get()
        #expect(quantized.format == .quantized)
        let prompt = try Fixtures.logits().prompts[0]
        let session = LlamaSession(model: quantized)
        let logits = try session.feed(prompt.input_ids)
        for pair in prompt.last_position.top10 {
            #expect(abs(Double(logits[Int(pair[0])]) - pair[1]) < 1e-3, "logit of token \(Int(pair[0]))")
        }
        // A cached decode step goes through the matrix-vector kernel (the prefill of 5 went through sgemm).
        let reference = LlamaSession(model: dense)
        _ = try reference.feed(prompt.input_ids)
        for id in prompt.greedy.new_ids.prefix(1) {
            let ours = try session.feed([id])
            let theirs = try reference.feed([id])
            let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-3, "decode step after token \(id)")
        }
    }

    /// int8 activations move the logits by a tenth or so (ours up to 0.14 on these prompts, where
    /// SmolLM2's Q4_1 prompts go through sgemm and only decoding rounds x; llama.cpp's CPU path,
    /// which rounds in prefill too, 0.27-0.34, and it leaves the reference's greedy ids at a step
    /// whose margin is 0.22), so greedy decoding may part from the float32 reference only where the
    /// reference itself nearly tied.
    @Test("with this CPU's kernels (int8 activations on AVX2 and NEON), logits stay within 0.25 and greedy ids part from the reference only at a near tie")
    func defaultKernelsKeepGreedyIDs() throws {
        let model = try RealModel.quantizedModel.get()
        for prompt in try Fixtures.logits().prompts {
            let session = LlamaSession(model: model)
            var logits = try session.feed(prompt.input_ids)
            for pair in prompt.last_position.top10 {
                #expect(abs(Double(logits[Int(pair[0])]) - pair[1]) < 0.25, "prompt \(prompt.name): logit of token \(Int(pair[0]))")
            }
            for (step, expected) in prompt.greedy.new_ids.enumerated() {
                let id = logits.indices.max { logits[$0] < logits[$1] }!
                if id != expected {
                    let margin = prompt.greedy.step_margin_top1_minus_top2[step]
                    #expect(margin < 0.5, "prompt \(prompt.name) parts from the reference at step \(step), whose margin is \(margin)")
                    break
                }
                logits = try session.feed([id])
            }
        }
    }

    @Test("the matrix-vector kernels equal a float64 product of the dequantized weights (AVX2, NEON: within the int8-activation bound)")
    func kernelMatchesDenseProduct() throws {
        let file = try RealModel.file.get()
        for (name, rows) in [("blk.0.attn_k.weight", 192), ("token_embd.weight", 300)] {
            let info = try file.tensor(name)
            let columns = info.dimensions[0]
            let matrix = try #require(QuantizedMatrix(type: info.type, bytes: file.rawBytes(info), rows: rows, columns: columns, owner: file))
            let weights = try file.dequantized(name)
            let x = (0..<columns).map { Float(sin(Double($0) * 0.37)) }
            for kernels in [MatrixKernels.portable, .avx2, .avx512, .neon] {
                for threads in [1, 2] {
                    var y = [Float](repeating: .nan, count: rows)
                    y.withUnsafeMutableBufferPointer { matrix.multiply(x, into: $0.baseAddress!, threads: threads, kernels: kernels) }
                    for r in 0..<rows {
                        let row = Array(weights[(r * columns)..<((r + 1) * columns)])
                        let expected = zip(row, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                        let allowed = (kernels != .portable && MatrixKernels.available != .portable ? int8ActivationBound(row: row, x: x) : 0) + 1e-4 * max(1, abs(expected))
                        #expect(abs(Double(y[r]) - expected) <= allowed, "\(name) row \(r), \(kernels), \(threads) threads")
                    }
                }
            }
        }
    }

    @Test("a quantized matrix's rows dequantize to exactly the GGUF's values")
    func repackedRowsMatchDequantization() throws {
        let file = try RealModel.file.get()
        for name in ["blk.0.attn_q.weight", "token_embd.weight"] {
            let info = try file.tensor(name)
            let matrix = try #require(QuantizedMatrix(type: info.type, bytes: file.rawBytes(info),
                                                      rows: info.dimensions[1], columns: info.dimensions[0], owner: file))
            let columns = info.dimensions[0]
            var expected = [Float](repeating: 0, count: info.elementCount)
            expected.withUnsafeMutableBufferPointer { file.dequantize(info, into: $0.baseAddress!) }
            var row = [Float](repeating: 0, count: columns)
            for r in [0, 1, info.dimensions[1] - 1] {
                row.withUnsafeMutableBufferPointer { matrix.dequantizeRow(r, into: $0.baseAddress!) }
                #expect(row == Array(expected[(r * columns)..<((r + 1) * columns)]), "\(name) row \(r)")
            }
        }
    }
}
