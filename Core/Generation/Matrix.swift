/// A weight matrix [rows (outputs) × columns (inputs)]: row-major Float32 inside the model's
/// arena, or repacked quantized blocks. Package-visible (rows, shape) so the trainer can copy the
/// frozen base weights as Float32.
package struct Matrix: @unchecked Sendable {
    enum Storage {
        case float32(UnsafeMutablePointer<Float>)
        case quantized(QuantizedMatrix)
    }
    let storage: Storage
    package let rows: Int
    package let columns: Int

    /// Row r as Float32.
    package func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        switch storage {
        case .float32(let data): out.update(from: data + r * columns, count: columns)
        case .quantized(let q): q.dequantizeRow(r, into: out)
        }
    }
}

/// How a model keeps its weight matrices in memory.
public enum WeightFormat: String, Sendable, CaseIterable {
    /// Dequantized to Float32 at load: products go through OpenBLAS sgemv/sgemm (≈ 4 bytes per weight).
    case float32
    /// Block-stored matrices (F16, BF16, Q4_0 … Q8_0, the K-quants) stay in the mapped file; decoding
    /// uses the in-place matrix-vector kernels, prefill dequantizes a tile of rows at a time for sgemm.
    case quantized
}
