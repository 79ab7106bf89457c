/// Checks that a vector can enter the index: cosine as inner product is only right for
/// L2-normalized vectors, and one NaN would silently poison every comparison it takes part in.
enum VectorValidation {
    /// How far |v|² may stray from 1: float32 rounding of a normalized 384-d vector stays well
    /// within 1e-5; anything past 1e-3 was not normalized.
    static let normTolerance: Float = 1e-3

    static func check(_ vector: [Float], dimension: Int, role: String) throws(IndexError) {
        guard vector.count == dimension else {
            throw .invalidVector("\(role) has \(vector.count) values, the index holds \(dimension)-d vectors")
        }
        var squaredNorm: Float = 0
        for (position, value) in vector.enumerated() {
            guard value.isFinite else { throw .invalidVector("\(role) has \(value) at position \(position)") }
            squaredNorm += value * value
        }
        guard abs(squaredNorm - 1) <= normTolerance else {
            throw .invalidVector("\(role) is not L2-normalized (its norm is \(squaredNorm.squareRoot()))")
        }
    }
}
