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
    /// Q4_1 and Q8_0 matrices stay quantized (≈ 0.75 and 1.1 bytes per weight); decoding uses our
    /// dequantize-in-register matrix-vector kernel, prefill dequantizes one matrix at a time for sgemm.
    case quantized
}
