import Dispatch

/// A Q4_1 or Q8_0 weight matrix [rows × columns] repacked for matrix-vector products: per block
/// of 32 weights a Float32 scale (and for Q4_1 a Float32 minimum) in their own arrays, and the
/// 4- or 8-bit codes contiguous. Converting the f16 scales once at load matters: this target has
/// no F16C, so converting them inside the product would be a library call per block.
///
/// The codes of each 16-byte group are stored as a 4 × 4 byte transpose, so that shifting four
/// 32-bit lanes by 8k bits and masking yields the weights 4k ..< 4k + 4 in order. Turning those
/// small integers into floats by OR-ing them into the mantissa of 2²³ (and subtracting 2²³)
/// avoids integer-to-float conversions, which Swift's generic SIMD conversions leave as calls;
/// measured on this machine it halves the time per block.
///
/// Products are exact in Float32 (weights are dequantized in registers, activations stay
/// Float32), so they agree with the reference to summation order. Q8_0 codes are stored offset
/// by 128 so they are unsigned.
final class QuantizedMatrix: @unchecked Sendable {
    enum Kind { case q4_1, q8_0 }
    let kind: Kind
    let rows: Int
    let columns: Int
    let blocksPerRow: Int
    let scales: UnsafeMutablePointer<Float>
    let minimums: UnsafeMutablePointer<Float>?
    /// Q4_1: 16 bytes per block, byte j holding weight j (low nibble) and j + 16 (high nibble).
    /// Q8_0: 32 signed bytes per block.
    let codes: UnsafeMutableRawPointer

    init?(type: GGMLType, source: UnsafeRawPointer, rows: Int, columns: Int) {
        let blocks = rows * columns / 32
        switch type {
        case .q4_1:
            kind = .q4_1
            codes = .allocate(byteCount: blocks * 16, alignment: 64)
            minimums = .allocate(capacity: blocks)
        case .q8_0:
            kind = .q8_0
            codes = .allocate(byteCount: blocks * 32, alignment: 64)
            minimums = nil
        default:
            return nil
        }
        self.rows = rows
        self.columns = columns
        blocksPerRow = columns / 32
        scales = .allocate(capacity: blocks)
        for b in 0..<blocks {
            switch kind {
            case .q4_1:
                let block = source + 20 * b
                scales[b] = Dequantize.half(block, 0)
                minimums![b] = Dequantize.half(block, 2)
                for j in 0..<16 {
                    codes.storeBytes(of: block.load(fromByteOffset: 4 + j, as: UInt8.self),
                                     toByteOffset: 16 * b + Self.position(j), as: UInt8.self)
                }
            case .q8_0:
                let block = source + 34 * b
                scales[b] = Dequantize.half(block, 0)
                for j in 0..<32 {
                    let code = block.load(fromByteOffset: 2 + j, as: UInt8.self) ^ 0x80
                    codes.storeBytes(of: code, toByteOffset: 32 * b + 16 * (j / 16) + Self.position(j % 16), as: UInt8.self)
                }
            }
        }
    }

    /// Where byte j of a 16-byte group is stored: the 4 × 4 transpose.
    static func position(_ j: Int) -> Int { 4 * (j % 4) + j / 4 }

    deinit {
        scales.deallocate()
        minimums?.deallocate()
        codes.deallocate()
    }

    /// Bytes held.
    var byteCount: Int { rows * blocksPerRow * (kind == .q4_1 ? 24 : 36) }

    /// One row as Float32 (for embedding lookups and batched prefill), with the same lane trick
    /// as the product.
    func dequantizeRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        let codes = UnsafeRawPointer(self.codes)
        let magic = SIMD4<UInt32>(repeating: 0x4B00_0000)
        let destination = UnsafeMutableRawPointer(out)
        for c in 0..<blocksPerRow {
            let b = r * blocksPerRow + c
            let scale = SIMD4<Float>(repeating: scales[b])
            switch kind {
            case .q4_1:
                let two23 = SIMD4<Float>(repeating: 8_388_608)
                let minimum = SIMD4<Float>(repeating: minimums![b])
                let words = codes.loadUnaligned(fromByteOffset: 16 * b, as: SIMD4<UInt32>.self)
                for k in 0..<4 {
                    let lanes = words &>> UInt32(8 * k)
                    let low = unsafeBitCast((lanes & 0x0F) | magic, to: SIMD4<Float>.self) - two23
                    let high = unsafeBitCast(((lanes &>> 4) & 0x0F) | magic, to: SIMD4<Float>.self) - two23
                    destination.storeBytes(of: low * scale + minimum, toByteOffset: 128 * c + 16 * k, as: SIMD4<Float>.self)
                    destination.storeBytes(of: high * scale + minimum, toByteOffset: 128 * c + 64 + 16 * k, as: SIMD4<Float>.self)
                }
            case .q8_0:
                let offset = SIMD4<Float>(repeating: 8_388_608 + 128)
                for half in 0..<2 {
                    let words = codes.loadUnaligned(fromByteOffset: 32 * b + 16 * half, as: SIMD4<UInt32>.self)
                    for k in 0..<4 {
                        let w = unsafeBitCast(((words &>> UInt32(8 * k)) & 0xFF) | magic, to: SIMD4<Float>.self) - offset
                        destination.storeBytes(of: w * scale, toByteOffset: 128 * c + 64 * half + 16 * k, as: SIMD4<Float>.self)
                    }
                }
            }
        }
    }

    /// y = W x, rows split across `threads` workers.
    func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, threads: Int) {
        Self.multiply([(self, y)], x: x, threads: threads)
    }

    /// y_i = W_i x for matrices of the same width (Q, K and V; gate and up) in one parallel pass:
    /// one set of block sums and one hand-off to the workers, since under CPU contention every
    /// hand-off can cost a scheduling delay.
    static func multiply(_ products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)],
                         x: UnsafePointer<Float>, threads: Int) {
        guard let width = products.first?.matrix.columns,
              products.allSatisfy({ $0.matrix.columns == width }) else { return }
        // Σ_j (d q_j + m) x_j = d Σ_j q_j x_j + m Σ_j x_j: the block sums of x serve every row.
        var blockSums = [Float](repeating: 0, count: width / 32)
        for c in 0..<(width / 32) {
            var s: Float = 0
            for j in 0..<32 { s += x[32 * c + j] }
            blockSums[c] = s
        }
        let totalRows = products.reduce(0) { $0 + $1.matrix.rows }
        blockSums.withUnsafeBufferPointer { sums in
            let operands = Operands(products: products, x: x, sums: sums.baseAddress!)
            let workers = max(1, min(threads, totalRows / 64))
            if workers == 1 {
                operands.run(0..<totalRows)
            } else {
                let chunk = (totalRows + workers - 1) / workers
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    operands.run((w * chunk)..<min(totalRows, (w + 1) * chunk))
                }
            }
        }
    }

    fileprivate func multiplyRows(_ range: Range<Int>, _ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>,
                              _ y: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawPointer(x)
        let codes = UnsafeRawPointer(self.codes)
        let magic = SIMD4<UInt32>(repeating: 0x4B00_0000)
        for r in range {
            let first = r * blocksPerRow
            var accumulator = SIMD4<Float>()
            var bias: Float = 0
            switch kind {
            case .q4_1:
                let two23 = SIMD4<Float>(repeating: 8_388_608)
                for c in 0..<blocksPerRow {
                    let words = codes.loadUnaligned(fromByteOffset: 16 * (first + c), as: SIMD4<UInt32>.self)
                    var block = SIMD4<Float>()
                    for k in 0..<4 {
                        let lanes = words &>> UInt32(8 * k)
                        let low = unsafeBitCast((lanes & 0x0F) | magic, to: SIMD4<Float>.self) - two23
                        let high = unsafeBitCast(((lanes &>> 4) & 0x0F) | magic, to: SIMD4<Float>.self) - two23
                        block += low * raw.loadUnaligned(fromByteOffset: 128 * c + 16 * k, as: SIMD4<Float>.self)
                        block += high * raw.loadUnaligned(fromByteOffset: 128 * c + 64 + 16 * k, as: SIMD4<Float>.self)
                    }
                    accumulator += scales[first + c] * block
                    bias += minimums![first + c] * sums[c]
                }
            case .q8_0:
                let offset = SIMD4<Float>(repeating: 8_388_608 + 128)
                for c in 0..<blocksPerRow {
                    var block = SIMD4<Float>()
                    for half in 0..<2 {
                        let words = codes.loadUnaligned(fromByteOffset: 32 * (first + c) + 16 * half, as: SIMD4<UInt32>.self)
                        for k in 0..<4 {
                            let lanes = (words &>> UInt32(8 * k)) & 0xFF
                            let w = unsafeBitCast(lanes | magic, to: SIMD4<Float>.self) - offset
                            block += w * raw.loadUnaligned(fromByteOffset: 128 * c + 64 * half + 16 * k, as: SIMD4<Float>.self)
                        }
                    }
                    accumulator += scales[first + c] * block
                }
            }
            y[r] = accumulator.sum() + bias
        }
    }
}

/// The operands of one parallel pass, handed to worker threads that write disjoint rows.
private struct Operands: @unchecked Sendable {
    let products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)]
    let x: UnsafePointer<Float>
    let sums: UnsafePointer<Float>

    /// Rows `range` of the products stacked on top of each other.
    func run(_ range: Range<Int>) {
        var offset = 0
        for (matrix, y) in products {
            let rows = range.clamped(to: offset..<(offset + matrix.rows))
            if !rows.isEmpty { matrix.multiplyRows((rows.lowerBound - offset)..<(rows.upperBound - offset), x, sums, y) }
            offset += matrix.rows
        }
    }
}
