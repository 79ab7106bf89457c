import CTwinlogKernels

/// A tensor element type of GGUF: the plain floats and the block-quantized types this engine
/// reads (everything a Q4_K_M, Q5_K_M, Q6_K or Q8_0 file from a model hub holds).
///
/// Only these types have cases; any other type id is reported by its number and its ggml name.
/// The block geometry lives with the kernels (Core/CKernels), its one home.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q2_K = 10
    case q3_K = 11
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case bf16 = 30

    /// Elements per block (1 for plain floats, 32 for Q4_0 … Q8_0, 256 for the K-quants).
    public var blockSize: Int { Int(tw_block_elements(rawValue)) }

    /// Bytes per block.
    public var bytesPerBlock: Int { Int(tw_block_bytes(rawValue)) }

    /// Whether a weight matrix of this type is multiplied in place from its blocks (every type but
    /// F32, which BLAS multiplies).
    var isBlockStored: Bool { self != .f32 }

    /// The ggml name of a type id, for messages.
    public static func name(of id: UInt32) -> String {
        let names: [UInt32: String] = [
            0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1", 10: "Q2_K",
            11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS",
            18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8",
            25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0",
        ]
        return names[id] ?? "unknown"
    }

    /// The supported types' names, for messages.
    static var supportedNames: String { allCases.map { name(of: $0.rawValue) }.joined(separator: ", ") }

    /// Converts `count` stored values (a whole number of blocks) at `source` to Float32, bit-exact
    /// with ggml's reference dequantization.
    func dequantize(_ source: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, count: Int,
                    kernels: MatrixKernels = .automatic) {
        tw_dequantize(rawValue, source, out, Int64(count), kernels.c)
    }
}

extension GGMLType: CustomStringConvertible {
    public var description: String { Self.name(of: rawValue) }
}
