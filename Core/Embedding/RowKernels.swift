/// The encoder's elementwise and row-wise steps over row-major float matrices.
///
/// Widths are multiples of 16 (checked by `BertConfiguration`); softmax rows are padded to one.
enum RowKernels {
    /// Every row of `rows` × `width` `destination` becomes `row` (used to preload biases before a
    /// matrix product accumulates into them).
    static func broadcast(_ row: UnsafePointer<Float>, rows: Int, width: Int, into destination: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            (destination + r * width).update(from: row, count: width)
        }
    }

    /// destination = source + row, row broadcast over `rows` rows (residual plus bias).
    static func add(_ source: UnsafePointer<Float>, row: UnsafePointer<Float>, rows: Int, width: Int,
                    into destination: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let base = r * width
            for c in stride(from: 0, to: width, by: 16) {
                destination.store(source.vector(at: base + c) + row.vector(at: c), at: base + c)
            }
        }
    }

    /// GELU over `count` values in place (`count` a multiple of 16).
    static func gelu(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for index in stride(from: 0, to: count, by: 16) {
            values.store(VectorMath.gelu(values.vector(at: index)), at: index)
        }
    }

    /// LayerNorm of each row of `source` into `destination` (which may be `source`):
    /// (x − mean) / √(var + ε) · gain + bias, with the variance of the centred values.
    static func layerNorm(_ source: UnsafePointer<Float>, rows: Int, width: Int, gain: UnsafePointer<Float>,
                          bias: UnsafePointer<Float>, epsilon: Float, into destination: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(width)
        for r in 0..<rows {
            let x = source + r * width
            let y = destination + r * width
            var sum = Float16x()
            for c in stride(from: 0, to: width, by: 16) { sum += x.vector(at: c) }
            let mean = VectorMath.sum(sum) * scale
            var squares = Float16x()
            for c in stride(from: 0, to: width, by: 16) {
                let centred = x.vector(at: c) - mean
                squares += centred * centred
            }
            let inverse = 1 / (VectorMath.sum(squares) * scale + epsilon).squareRoot()
            for c in stride(from: 0, to: width, by: 16) {
                y.store((x.vector(at: c) - mean) * inverse * gain.vector(at: c) + bias.vector(at: c), at: c)
            }
        }
    }

    /// Softmax of the first `width` values of each row of a `rows` × `stride` matrix in place;
    /// `stride` is `width` rounded up to a multiple of 16, and the values past `width` become ~0
    /// (e^−87), so whole vectors can be used to the end of every row.
    static func softmax(_ matrix: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) {
        let last = stride - 16
        let padding = VectorMath.lanes .>= Int32(width - last)
        for r in 0..<rows {
            let row = matrix + r * stride
            row.store(row.vector(at: last).replacing(with: -.infinity, where: padding), at: last)
            var maxima = Float16x(repeating: -.infinity)
            for c in Swift.stride(from: 0, to: stride, by: 16) { maxima = VectorMath.maximum(maxima, row.vector(at: c)) }
            let maximum = VectorMath.maximum(of: maxima)
            var sums = Float16x()
            for c in Swift.stride(from: 0, to: stride, by: 16) {
                let e = VectorMath.exp(row.vector(at: c) - maximum)
                row.store(e, at: c)
                sums += e
            }
            let inverse = 1 / VectorMath.sum(sums)
            for c in Swift.stride(from: 0, to: stride, by: 16) { row.store(row.vector(at: c) * inverse, at: c) }
        }
    }

    /// The mean of `rows` rows of `source`, scaled to unit L2 norm, into `destination` (`width` values).
    static func meanPoolNormalized(_ source: UnsafePointer<Float>, rows: Int, width: Int,
                                   into destination: UnsafeMutablePointer<Float>) {
        for c in stride(from: 0, to: width, by: 16) { destination.store(Float16x(), at: c) }
        for r in 0..<rows {
            for c in stride(from: 0, to: width, by: 16) {
                destination.store(destination.vector(at: c) + source.vector(at: r * width + c), at: c)
            }
        }
        let inverseRows = 1 / Float(rows)
        var squares = Float16x()
        for c in stride(from: 0, to: width, by: 16) {
            let mean = destination.vector(at: c) * inverseRows
            destination.store(mean, at: c)
            squares += mean * mean
        }
        // As sentence-transformers' Normalize (torch.nn.functional.normalize): x / max(‖x‖, 1e-12).
        let inverseNorm = 1 / max(VectorMath.sum(squares).squareRoot(), 1e-12)
        for c in stride(from: 0, to: width, by: 16) {
            destination.store(destination.vector(at: c) * inverseNorm, at: c)
        }
    }
}
