import Foundation
import Testing
@testable import TwinlogGeneration

@Suite("the block formats: dequantization against gguf-py and the in-place products")
struct QuantKernelTests {
    @Test("every supported type dequantizes bit-exactly as gguf-py does, on synthetic and real Qwen2.5 blocks",
          arguments: [MatrixKernels.portable, .avx2, .avx512, .neon])
    func dequantizationMatchesReference(kernels: MatrixKernels) throws {
        let entries = try Fixtures.quantBlocks().entries
        let covered = Set(entries.map(\.typeId))
        #expect(covered.isSuperset(of: GGMLType.allCases.map(\.rawValue)), "the fixture covers every supported type")
        for entry in entries {
            let type = try #require(GGMLType(rawValue: entry.typeId), "type \(entry.type)")
            let bytes = entry.blockBytes
            #expect(bytes.count == entry.elements / type.blockSize * type.bytesPerBlock, "\(entry.type) \(entry.source): block bytes")
            var out = [Float](repeating: .nan, count: entry.elements)
            bytes.withUnsafeBytes { raw in
                out.withUnsafeMutableBufferPointer {
                    type.dequantize(raw.baseAddress!, into: $0.baseAddress!, count: entry.elements, kernels: kernels)
                }
            }
            let expected = entry.expectedValues
            let mismatches = zip(out, expected).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
            #expect(mismatches.isEmpty, "\(entry.type) \(entry.source), \(kernels): \(mismatches.count) values differ, first at \(mismatches.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
        }
    }

    @Test("the AVX-512, AVX2, NEON and portable products agree with a float64 product of the dequantized rows for one token and several, for every type (SIMD within the int8-activation bound)")
    func kernelsAgree() throws {
        let entries = try Fixtures.quantBlocks().entries.filter { $0.source != "synthetic-edge" }
        var checked = Set<GGMLType>()
        for entry in entries {
            let type = try #require(GGMLType(rawValue: entry.typeId))
            guard type.isBlockStored, !checked.contains(type) else { continue }
            checked.insert(type)
            // 67 rows (two workers split them unevenly); float rows 37 wide, so the SIMD loop has a tail.
            let rows = 67
            let source = entry.blockBytes
            let sourceBlocks = source.count / type.bytesPerBlock
            let blocksPerRow = type.blockSize == 1 ? 37 : 3
            let columns = blocksPerRow * type.blockSize
            var bytes: [UInt8] = []
            for r in 0..<rows {
                for c in 0..<blocksPerRow {
                    let b = (r * 5 + c * 3) % sourceBlocks
                    bytes += source[(b * type.bytesPerBlock)..<((b + 1) * type.bytesPerBlock)]
                }
            }
            let matrix = try #require(QuantizedMatrix(type: type, copying: bytes, rows: rows, columns: columns))
            // Eleven tokens (groups of four, four and three on AVX2 and NEON; eight and three for the
            // K-quants on AVX-512) whose sizes differ, and a loud stretch in each so that a
            // super-block's activation scale differs from its blocks' scales.
            let tokens = 11
            let x = (0..<(tokens * columns)).map { i -> Float in
                let (t, c) = i.quotientAndRemainder(dividingBy: columns)
                return Float(sin(Double(c) * 0.61 + Double(t)) * Double(1 + t)) * (c % 256 < 32 ? 4 : 1)
            }
            var row = [Float](repeating: 0, count: columns)
            var expected = [Double](repeating: 0, count: tokens * rows)
            var floatTolerance = expected, int8Bound = expected
            let activationBlock = max(32, type.blockSize)
            let integer = matrix.hasIntegerProduct
            for r in 0..<rows {
                row.withUnsafeMutableBufferPointer { matrix.dequantizeRow(r, into: $0.baseAddress!) }
                for t in 0..<tokens {
                    let xt = Array(x[(t * columns)..<((t + 1) * columns)])
                    expected[t * rows + r] = zip(row, xt).reduce(0) { $0 + Double($1.0) * Double($1.1) }
                    let scale = zip(row, xt).reduce(0) { $0 + abs(Double($1.0) * Double($1.1)) }
                    floatTolerance[t * rows + r] = 1e-5 * max(1e-3, scale)
                    int8Bound[t * rows + r] = int8ActivationBound(row: row, x: xt, block: activationBlock)
                }
            }
            for kernels in [MatrixKernels.portable, .avx2, .avx512, .neon, .automatic] {
                for threads in [1, 2] {
                    var y = [Float](repeating: .nan, count: tokens * rows)
                    y.withUnsafeMutableBufferPointer { matrix.multiply(x, rows: tokens, into: $0.baseAddress!, threads: threads, kernels: kernels) }
                    // The integer products round x to int8 per weight block; the others stay float.
                    let rounded = integer && kernels != .portable
                    let failing = (0..<y.count).filter {
                        !(abs(Double(y[$0]) - expected[$0]) <= floatTolerance[$0] + (rounded ? int8Bound[$0] : 0))
                    }
                    #expect(failing.isEmpty, "\(type) with \(kernels) kernels, \(threads) threads: outputs \(failing.prefix(5)) off")
                    // A token's products do not depend on the tokens beside it.
                    var single = [Float](repeating: .nan, count: rows)
                    for t in [0, tokens - 1] {
                        single.withUnsafeMutableBufferPointer {
                            matrix.multiply(Array(x[(t * columns)..<((t + 1) * columns)]), into: $0.baseAddress!, threads: threads, kernels: kernels)
                        }
                        #expect(single == Array(y[(t * rows)..<((t + 1) * rows)]), "\(type) with \(kernels): token \(t) alone differs")
                    }
                }
            }
        }
        #expect(checked.count == GGMLType.allCases.count - 1, "every block-stored type was multiplied")
    }

    @Test("a model whose weights exceed the memory limit is refused before loading, with the numbers")
    func modelTooLarge() throws {
        let file = try RealModel.file.get()
        #expect {
            try LlamaModel(gguf: file, format: .quantized, memoryLimit: 50 << 20)
        } throws: { error in
            guard case GenerationError.modelTooLarge(_, let needed, let limit) = error else { return false }
            return needed > limit && limit == 50 << 20 && "\(error)".contains("MiB")
        }
    }
}
