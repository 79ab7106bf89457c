import TwinlogLinalg

/// y = x Wᵀ (+ scale · (x Aᵀ) Bᵀ when an adapter is attached) for n rows of x.
///
/// Shapes: x [n × in], W [out × in], A [r × in], B [out × r], y [n × out].
/// Float32 weights: one row (decoding) through sgemv, several (prefill) through sgemm.
/// Quantized weights: up to four rows through the quantized products (each weight block decoded
/// once for all of them); more rows of a K-quant matrix too when the CPU has its integer products;
/// the rest by dequantizing the matrix tile by tile and using sgemm on each tile.
enum Linear {
    static func forward(_ w: Matrix, adapter: LoRAAdapter?, x: UnsafePointer<Float>, rows n: Int,
                        into y: UnsafeMutablePointer<Float>) {
        switch w.storage {
        case .float32(let data):
            dense(data, rows: w.rows, columns: w.columns, x: x, n: n, y: y)
        case .quantized(let q) where n <= 4 || q.multipliesPromptsAsIntegers:
            q.multiply(x, rows: n, into: y, threads: ComputeThreads.count)
        case .quantized(let q):
            q.multiplyByDequantizedTiles(x, rows: n, into: y, threads: ComputeThreads.count)
        }
        if let adapter { addAdapter(adapter, x: x, rows: n, into: y) }
    }

    /// y += scale · (x Aᵀ) Bᵀ.
    private static func addAdapter(_ adapter: LoRAAdapter, x: UnsafePointer<Float>, rows n: Int,
                                   into y: UnsafeMutablePointer<Float>) {
        let low = UnsafeMutablePointer<Float>.allocate(capacity: n * adapter.rank)
        defer { low.deallocate() }
        adapter.a.withUnsafeBufferPointer { a in
            BLAS.gemm(.none, .transposed, m: n, n: adapter.rank, k: adapter.inputs, a: x, lda: adapter.inputs,
                      b: a.baseAddress!, ldb: adapter.inputs, c: low, ldc: adapter.rank, threads: ComputeThreads.count)
        }
        adapter.b.withUnsafeBufferPointer { b in
            BLAS.gemm(.none, .transposed, m: n, n: adapter.outputs, k: adapter.rank, alpha: adapter.scale,
                      a: low, lda: adapter.rank, b: b.baseAddress!, ldb: adapter.rank, beta: 1, c: y, ldc: adapter.outputs,
                      threads: ComputeThreads.count)
        }
    }

    private static func dense(_ w: UnsafePointer<Float>, rows: Int, columns: Int, x: UnsafePointer<Float>, n: Int,
                              y: UnsafeMutablePointer<Float>) {
        if n == 1 {
            BLAS.gemv(.none, rows: rows, columns: columns, a: w, lda: columns, x: x, y: y, threads: ComputeThreads.count)
        } else {
            BLAS.gemm(.none, .transposed, m: n, n: rows, k: columns, a: x, lda: columns, b: w, ldb: columns, c: y, ldc: rows,
                      threads: ComputeThreads.count)
        }
    }

    /// Several layers reading the same x (Q, K, V; gate, up). Quantized weights that take the
    /// quantized products for these rows go through one parallel pass; anything else layer by layer.
    static func forward(_ layers: [(matrix: Matrix, adapter: LoRAAdapter?, y: UnsafeMutablePointer<Float>)],
                        x: UnsafePointer<Float>, rows n: Int) {
        let quantized = layers.compactMap { layer -> (QuantizedMatrix, UnsafeMutablePointer<Float>)? in
            if case .quantized(let q) = layer.matrix.storage { return (q, layer.y) }
            return nil
        }
        guard quantized.count == layers.count, n <= 4 || quantized.allSatisfy({ $0.0.multipliesPromptsAsIntegers }) else {
            for layer in layers { forward(layer.matrix, adapter: layer.adapter, x: x, rows: n, into: layer.y) }
            return
        }
        QuantizedMatrix.multiply(quantized, x: x, rows: n, threads: ComputeThreads.count)
        for layer in layers where layer.adapter != nil {
            addAdapter(layer.adapter!, x: x, rows: n, into: layer.y)
        }
    }
}
