import Foundation
import Testing
import TwinlogDrift
import TwinlogRuntime

/// Unit vectors around a centre: `centre` plus Gaussian noise, normalized (like sentence embeddings).
private func cluster(_ centre: [Float], count: Int, spread: Float, seed: UInt64) -> [[Float]] {
    var random = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        var v = centre.map { c -> Float in
            // Box–Muller from two uniforms.
            let u1 = Float.random(in: Float.ulpOfOne..<1, using: &random), u2 = Float.random(in: 0..<1, using: &random)
            return c + spread * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        v = v.map { $0 / norm }
        return v
    }
}

private func axis(_ i: Int, dimension: Int = 32) -> [Float] {
    var v = [Float](repeating: 0, count: dimension)
    v[i] = 1
    return v
}

@Suite("MMD two-sample test")
struct MMDTests {
    @Test("two samples of one distribution are not significant; a moved centre is, with a larger statistic")
    func detectsShift() throws {
        let test = MMDTest(permutations: 200)
        let reference = cluster(axis(0), count: 60, spread: 0.15, seed: 1)
        let same = try test.run(reference: reference, window: cluster(axis(0), count: 40, spread: 0.15, seed: 2))
        let moved = try test.run(reference: reference, window: cluster(axis(1), count: 40, spread: 0.15, seed: 3))
        #expect(same.pValue > 0.05, "same distribution: \(same)")
        #expect(moved.pValue <= 1.0 / 201 + 1e-12, "a new centre: \(moved)")
        #expect(moved.statistic > 10 * max(same.statistic, 0.001))
    }

    @Test("a change of spread with the same mean is detected (a mean-only test would miss it)")
    func detectsSpreadChange() throws {
        let reference = cluster(axis(0), count: 80, spread: 0.05, seed: 4)
        let wider = cluster(axis(0), count: 80, spread: 0.6, seed: 5)
        let result = try MMDTest(permutations: 200).run(reference: reference, window: wider)
        #expect(result.pValue < 0.01, "\(result)")
    }

    @Test("the same samples and seed give the same p-value")
    func deterministic() throws {
        let a = cluster(axis(0), count: 20, spread: 0.4, seed: 6), b = cluster(axis(2), count: 20, spread: 0.8, seed: 7)
        #expect(try MMDTest(seed: 9).run(reference: a, window: b) == MMDTest(seed: 9).run(reference: a, window: b))
    }

    @Test("too few vectors and mixed dimensions are refused with a clear error")
    func invalidInput() {
        #expect(throws: DriftError.sampleTooSmall(reference: 1, window: 3)) {
            try MMDTest().run(reference: [axis(0)], window: [axis(0), axis(1), axis(2)])
        }
        #expect(throws: DriftError.dimensionMismatch(expected: 32)) {
            try MMDTest().run(reference: [axis(0), axis(1)], window: [axis(0), [1, 0]])
        }
    }
}

@Suite("drift policy")
struct DriftPolicyTests {
    let policy = DriftPolicy(significance: 0.01, minimumStatistic: 0.02, minimumWindow: 10, volumeThreshold: 100, coolDown: .seconds(60))
    let now = Date(timeIntervalSince1970: 1_000_000)

    func observe(_ statistic: Double?, p: Double = 0.005, window: Int = 20, documents: Int = 5, firedAgo: Double? = nil) -> DriftPolicy.Reason? {
        policy.decide(.init(test: statistic.map { MMDTest.Result(statistic: $0, pValue: p, bandwidth: 1) }, windowSize: window,
                            newDocuments: documents, lastFiredAt: firedAgo.map { now.addingTimeInterval(-$0) }, now: now))
    }

    @Test("fires on a significant shift above the effect-size floor, and only then")
    func distribution() {
        #expect(observe(0.1) == .distribution)
        #expect(observe(0.1, p: 0.2) == nil, "not significant")
        #expect(observe(0.005) == nil, "significant but below the floor")
        #expect(observe(0.1, window: 9) == nil, "window too small")
        #expect(observe(nil) == nil, "no test (no reference yet)")
    }

    @Test("fires on volume alone, with or without a reference")
    func volume() {
        #expect(observe(nil, documents: 100) == .volume)
        #expect(observe(0.0, p: 0.9, documents: 150) == .volume)
    }

    @Test("the cool-down suppresses every reason and the test itself")
    func coolDown() {
        #expect(observe(0.1, firedAgo: 30) == nil)
        #expect(observe(nil, documents: 500, firedAgo: 30) == nil)
        #expect(observe(0.1, firedAgo: 61) == .distribution)
        #expect(!policy.shouldTest(windowSize: 50, lastFiredAt: now.addingTimeInterval(-30), now: now))
        #expect(policy.shouldTest(windowSize: 50, lastFiredAt: nil, now: now))
        #expect(!policy.shouldTest(windowSize: 9, lastFiredAt: nil, now: now))
    }
}
