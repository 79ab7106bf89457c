import Testing
@testable import TwinlogGeneration

@Suite("LoRA adapters on the linear layers")
struct LoRATests {
    @Test("a linear layer with an adapter computes x Wᵀ + scale · (x Aᵀ) Bᵀ")
    func linearWithAdapter() throws {
        let rows = 3, columns = 4, rank = 2, n = 2
        var w: [Float] = (0..<(rows * columns)).map { Float($0) * 0.1 - 0.5 }
        let x: [Float] = [1, -1, 0.5, 2, 0, 3, -2, 1]
        let adapter = try LoRAAdapter(rank: rank, inputs: columns, outputs: rows,
                                      a: [0.5, 0, -1, 1, 2, 1, 0, -0.5], b: [1, 0, 0, 1, 1, -1], scale: 0.25)
        var y = [Float](repeating: 0, count: n * rows)
        w.withUnsafeMutableBufferPointer { wp in
            let matrix = Matrix(storage: .float32(wp.baseAddress!), rows: rows, columns: columns)
            for batch in [1, 2] {
                y.withUnsafeMutableBufferPointer { Linear.forward(matrix, adapter: adapter, x: x, rows: batch, into: $0.baseAddress!) }
            }
        }
        for t in 0..<n {
            for o in 0..<rows {
                var expected: Float = 0
                for i in 0..<columns { expected += x[t * columns + i] * w[o * columns + i] }
                for r in 0..<rank {
                    var ax: Float = 0
                    for i in 0..<columns { ax += adapter.a[r * columns + i] * x[t * columns + i] }
                    expected += adapter.scale * adapter.b[o * rank + r] * ax
                }
                #expect(abs(y[t * rows + o] - expected) < 1e-5, "row \(t) output \(o)")
            }
        }
    }

    @Test("layers sharing an input on quantized weights, one with an adapter, give x Wᵀ (+ the adapter term)")
    func groupedQuantizedWithAdapter() throws {
        // Q8_0 blocks: an f16 scale (0.5 = 0x3800) and 32 signed codes, one block per row; 143 rows
        // in all, so two workers split the stacked rows inside the second matrix.
        func q8(rows: Int, seed: Int) -> (QuantizedMatrix, [Float]) {
            var bytes: [UInt8] = []
            var values: [Float] = []
            for r in 0..<rows {
                bytes += [0x00, 0x38]
                for j in 0..<32 {
                    let code = Int8((r * 7 + j * 3 + seed) % 41 - 20)
                    bytes.append(UInt8(bitPattern: code))
                    values.append(Float(code) * 0.5)
                }
            }
            let matrix = QuantizedMatrix(type: .q8_0, copying: bytes, rows: rows, columns: 32, kernels: .portable)!
            return (matrix, values)
        }
        let (first, w1) = q8(rows: 3, seed: 1), (second, w2) = q8(rows: 140, seed: 5)
        let x = (0..<32).map { Float($0 % 5) - 2 }
        let adapter = try LoRAAdapter(rank: 1, inputs: 32, outputs: 140, a: (0..<32).map { Float($0) / 32 },
                                      b: (0..<140).map { Float($0 % 3) }, scale: 0.5)
        var y1 = [Float](repeating: 0, count: 3), y2 = [Float](repeating: 0, count: 140)
        y1.withUnsafeMutableBufferPointer { p1 in
            y2.withUnsafeMutableBufferPointer { p2 in
                Linear.forward([(Matrix(storage: .quantized(first), rows: 3, columns: 32), nil, p1.baseAddress!),
                                (Matrix(storage: .quantized(second), rows: 140, columns: 32), adapter, p2.baseAddress!)],
                               x: x, rows: 1)
            }
        }
        let ax = zip(adapter.a, x).map { $0 * $1 }.reduce(0, +)
        for r in 0..<3 {
            #expect(abs(y1[r] - (0..<32).map { w1[r * 32 + $0] * x[$0] }.reduce(0, +)) < 1e-4, "first, row \(r)")
        }
        for r in 0..<140 {
            let expected = (0..<32).map { w2[r * 32 + $0] * x[$0] }.reduce(0, +) + 0.5 * adapter.b[r] * ax
            #expect(abs(y2[r] - expected) < 1e-4, "second, row \(r)")
        }
    }

    @Test("an adapter with B = 0 leaves the logits unchanged; a non-zero one changes them")
    func adapterInTheModel() throws {
        let model = try RealModel.model.get()
        let ids = try Fixtures.logits().prompts[0].input_ids
        let base = try LlamaSession(model: model).feed(ids)
        let slot = LinearSlot(layer: 3, kind: .value)
        let (outputs, inputs) = model.shape(of: slot)
        let a = (0..<(4 * inputs)).map { Float(($0 * 7919) % 13) / 13 - 0.5 }
        var set = LoRASet()
        try set.attach(LoRAAdapter(rank: 4, inputs: inputs, outputs: outputs, a: a,
                                   b: Array(repeating: 0, count: outputs * 4), scale: 2), to: slot, of: model)
        #expect(try LlamaSession(model: model, lora: set).feed(ids) == base)
        try set.attach(LoRAAdapter(rank: 4, inputs: inputs, outputs: outputs, a: a,
                                   b: (0..<(outputs * 4)).map { Float($0 % 5) * 0.01 }, scale: 2), to: slot, of: model)
        let adapted = try LlamaSession(model: model, lora: set).feed(ids)
        #expect(zip(adapted, base).map { abs($0 - $1) }.max()! > 1e-3)
    }

    @Test("adapters whose shapes do not fit are rejected with the layer named")
    func rejectsMisfits() throws {
        let model = try RealModel.model.get()
        #expect(throws: LoRAError.self) { try LoRAAdapter(rank: 2, inputs: 4, outputs: 3, a: [1], b: [1], scale: 1) }
        let wrong = try LoRAAdapter(rank: 1, inputs: 576, outputs: 576, a: Array(repeating: 0, count: 576),
                                    b: Array(repeating: 0, count: 576), scale: 1)
        var set = LoRASet()
        #expect(throws: LoRAError.self) { try set.attach(wrong, to: LinearSlot(layer: 0, kind: .key), of: model) }
        #expect(throws: LoRAError.self) { try set.attach(wrong, to: LinearSlot(layer: 30, kind: .query), of: model) }
        try set.attach(wrong, to: LinearSlot(layer: 0, kind: .query), of: model)
        #expect(set[LinearSlot(layer: 0, kind: .query)] != nil)
    }
}
