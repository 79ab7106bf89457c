import Foundation
import TwinlogRuntime

extension SeededGenerator {
    /// A standard normal draw (Box–Muller), for seeded test vectors and weights.
    public mutating func gaussian() -> Float {
        let u1 = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}
