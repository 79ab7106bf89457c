/// How far an embedding is from the reference's.
struct EmbeddingComparison: CustomStringConvertible {
    let cosine: Double
    let maxAbsoluteDifference: Float

    init(_ ours: [Float], reference: [Float]) {
        precondition(ours.count == reference.count, "lengths \(ours.count) and \(reference.count) differ")
        var dot = 0.0, ourNorm = 0.0, referenceNorm = 0.0
        var maxDifference: Float = 0
        for (a, b) in zip(ours, reference) {
            dot += Double(a) * Double(b)
            ourNorm += Double(a) * Double(a)
            referenceNorm += Double(b) * Double(b)
            maxDifference = max(maxDifference, abs(a - b))
        }
        cosine = dot / (ourNorm.squareRoot() * referenceNorm.squareRoot())
        maxAbsoluteDifference = maxDifference
    }

    /// The fixture's tolerance for a float32 port: 1e-5 per value and cosine ≥ 0.99999.
    var withinTolerance: Bool { maxAbsoluteDifference <= 1e-5 && cosine >= 0.99999 }

    var description: String { "cosine \(cosine), max |Δ| \(maxAbsoluteDifference)" }
}
