/// Conversion of GGUF tensor storage to Float32, block by block, exactly as ggml defines it:
/// Q4_0 `(q - 8) · d`, Q4_1 `q · d + m`, Q8_0 `q · d`, with nibble j and j + 16 of a block
/// sharing byte j (low nibble first).
enum Dequantize {
    static func run(_ type: GGMLType, from source: UnsafeRawPointer, to out: UnsafeMutablePointer<Float>, count: Int) {
        switch type {
        case .f32:
            for i in 0..<count { out[i] = source.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .f16:
            for i in 0..<count { out[i] = half(source, 2 * i) }
        case .q4_0:
            for block in 0..<count / 32 { q4_0(source + 18 * block, out + 32 * block) }
        case .q4_1:
            for block in 0..<count / 32 { q4_1(source + 20 * block, out + 32 * block) }
        case .q8_0:
            for block in 0..<count / 32 { q8_0(source + 34 * block, out + 32 * block) }
        }
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    @inline(__always)
    static func q4_0(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            out[j] = Float(Int(qs[j] & 0x0F) - 8) * d
            out[j + 16] = Float(Int(qs[j] >> 4) - 8) * d
        }
    }

    @inline(__always)
    static func q4_1(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let m = half(block, 2)
        let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            out[j] = Float(qs[j] & 0x0F) * d + m
            out[j + 16] = Float(qs[j] >> 4) * d + m
        }
    }

    @inline(__always)
    static func q8_0(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let qs = (block + 2).assumingMemoryBound(to: Int8.self)
        for j in 0..<32 { out[j] = Float(qs[j]) * d }
    }
}
