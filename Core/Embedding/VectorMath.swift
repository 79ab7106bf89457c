/// Sixteen floats: the width every elementwise kernel of the encoder works in.
typealias Float16x = SIMD16<Float>

/// Vectorized elementary functions for the encoder's elementwise steps.
///
/// Foundation offers `exp` and `erf` one scalar at a time; softmax and GELU call them hundreds of
/// millions of times per thousand texts, so they are written here over SIMD lanes. Only operations
/// the compiler turns into vector instructions are used: the standard library's generic
/// `pointwiseMax`, `clamped`, `sum()` and `max()` run lane by lane, so masks and halving replace them.
enum VectorMath {
    /// Lane numbers 0…15, for masking the lanes past the end of a row.
    static let lanes = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    /// The larger of each pair of lanes.
    @inline(__always)
    static func maximum(_ a: Float16x, _ b: Float16x) -> Float16x {
        a.replacing(with: b, where: a .< b)
    }

    /// The sum of the lanes, by halving.
    @inline(__always)
    static func sum(_ v: Float16x) -> Float {
        let eight = v.lowHalf + v.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    /// The largest lane, by halving.
    @inline(__always)
    static func maximum(of v: Float16x) -> Float {
        let eight = v.lowHalf.replacing(with: v.highHalf, where: v.lowHalf .< v.highHalf)
        let four = eight.lowHalf.replacing(with: eight.highHalf, where: eight.lowHalf .< eight.highHalf)
        let two = four.lowHalf.replacing(with: four.highHalf, where: four.lowHalf .< four.highHalf)
        return max(two[0], two[1])
    }

    private static let log2e: Float = 1.442_695_04
    private static let ln2High: Float = 0.693_145_751_953_125 // ln 2 rounded to 16 bits of mantissa
    private static let ln2Low: Float = 1.428_606_765_330_187e-06 // ln 2 − ln2High

    /// e^x for x in [−87, 88], inputs outside clamped (measured against Foundation's `exp` on
    /// [−87, 0]: relative error below 2.4e-7, under 3 ulp).
    ///
    /// x = n·ln 2 + r with |r| ≤ ln 2 / 2 (Cody–Waite split of ln 2 so n·ln2High is exact);
    /// e^r by its degree-6 Taylor polynomial (remainder below 1.2e-7 relative); 2^n by building
    /// the float's exponent bits. Rounding x·log2(e) by adding 1.5·2^23 leaves n in the sum's low
    /// mantissa bits, which avoids float-to-integer conversions the compiler does lane by lane.
    @inline(__always)
    static func exp(_ x: Float16x) -> Float16x {
        let x = x.replacing(with: -87, where: x .< -87).replacing(with: 88, where: x .> 88)
        let shifted = x * log2e + roundingShift
        let n = shifted - roundingShift
        let r = x - n * ln2High - n * ln2Low
        var p = Float16x(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &+ exponentBias) &<< 23
        return p * unsafeBitCast(exponent, to: Float16x.self)
    }

    /// 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer, kept in the low bits.
    private static let roundingShift: Float = 12_582_912
    /// Turns the low bits of `x + roundingShift` into a biased float exponent: 127 − bits(1.5·2^23).
    private static let exponentBias: Int32 = 127 &- 0x4B40_0000

    /// GELU in its exact (erf) form, x · Φ(x) = x/2 · (1 + erf(x/√2)), within 1.7e-7 · max(1, |x|)
    /// (measured against Foundation's `erf` on [−12, 12]).
    ///
    /// erfc(z) for z = |x|/√2 ≥ 0 uses Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7):
    /// erfc(z) ≈ t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e^(−z²), t = 1/(1 + p·z).
    /// Then 1 + erf(x) is erfc(z) for negative x (no cancellation in the small tail) and 2 − erfc(z)
    /// for positive x.
    @inline(__always)
    static func gelu(_ x: Float16x) -> Float16x {
        let magnitude = unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: Float16x.self)
        let z = magnitude * 0.707_106_781
        let t = 1 / (z * 0.327_591_1 + 1)
        var poly = Float16x(repeating: 1.061_405_429)
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        let erfc = poly * t * exp(-(z * z))
        let onePlusErf = erfc.replacing(with: Float16x(repeating: 2) - erfc, where: x .> 0)
        return 0.5 * x * onePlusErf
    }
}

/// Unaligned SIMD loads at an element offset.
extension UnsafePointer<Float> {
    @inline(__always)
    func vector(at index: Int) -> Float16x {
        UnsafeRawPointer(self + index).loadUnaligned(as: Float16x.self)
    }
}

/// Unaligned SIMD loads and stores at an element offset.
extension UnsafeMutablePointer<Float> {
    @inline(__always)
    func vector(at index: Int) -> Float16x {
        UnsafeRawPointer(self + index).loadUnaligned(as: Float16x.self)
    }

    @inline(__always)
    func store(_ vector: Float16x, at index: Int) {
        UnsafeMutableRawPointer(self + index).storeBytes(of: vector, as: Float16x.self)
    }
}
